package mesh

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Reading a device (or a huge file) stops at the cap with a message naming
// the file and the limit, instead of reading until memory runs out.
func TestLoadCapsTheFileSize(t *testing.T) {
	_, err := Load("/dev/zero")
	if err == nil || !strings.Contains(err.Error(), "/dev/zero") || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Fatalf("Load(/dev/zero) = %v, want an error naming the file and the 1 MiB limit", err)
	}
}

// aliasBomb is the 8 KB file of the issue: 1,000 clusters that are aliases
// of one mapping whose injectNamespaces is an alias of a list of 1,000
// numbers, so that decoding expands to a million wrongly typed values.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\nmeshID: &l [" + strings.TrimSuffix(strings.Repeat("1,", 1000), ",") + "]\n")
	b.WriteString("model: &m {injectNamespaces: *l}\nclusters: [" + strings.TrimSuffix(strings.Repeat("*m,", 1000), ",") + "]\n")
	return b.String()
}

func TestParseCapsAliasExpansionAndProblems(t *testing.T) {
	_, err := Parse([]byte(aliasBomb()))
	if err == nil {
		t.Fatal("the alias bomb parsed")
	}
	msg := err.Error()
	if len(msg) > 20_000 {
		t.Errorf("the error is %d bytes long; want it capped", len(msg))
	}
	if lines := strings.Count(msg, "\n") + 1; lines > 20+1 {
		t.Errorf("the error has %d lines, want at most %d", lines, 20+1)
	}
	if !strings.Contains(msg, "more problems") || !strings.Contains(msg, "aliases") {
		t.Errorf("error %q: want the count of problems left out and the alias limit named", msg[:min(len(msg), 2000)])
	}
}

func TestValidateTruncatesEchoedValues(t *testing.T) {
	c := valid(MultiPrimary)
	c.MeshID = strings.Repeat("X", 10<<20)
	err := c.Validate()
	if err == nil {
		t.Fatal("a 10 MB meshID validated")
	}
	if n := len(err.Error()); n > 2000 {
		t.Errorf("the error is %d bytes: the 10 MB meshID is echoed", n)
	}
	fe := FieldErrors(err)
	if len(fe) == 0 || fe[0].Field != "meshID" || !strings.Contains(fe[0].Problem, "more characters") {
		t.Errorf("errors %v: want meshID's problem with the value truncated", fe)
	}
}

func TestParseListsAtMostMaxProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: meshwiz.dev/v1alpha1\nkind: Mesh\n")
	for i := range 50 {
		fmt.Fprintf(&b, "unknown%d: x\n", i)
	}
	_, err := Parse([]byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "… and 30 more problems") {
		t.Fatalf("error %v, want 20 problems and \"… and 30 more problems\"", err)
	}
	if got := len(FieldErrors(err)); got != 20 {
		t.Errorf("%d field errors, want %d", got, 20)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "unknown0" {
		t.Errorf("first problem %v, want unknown0", fe)
	}
}
