package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// formPageFields are two inputs bound to a and b.
func formPageFields(a, b *string) []topologyField {
	return []topologyField{
		{kind: topologyInput, label: "a", match: topologyPath("a"), field: huh.NewInput().Title("A").Value(a)},
		{kind: topologyInput, label: "b", match: topologyPath("b"), field: huh.NewInput().Title("B").Value(b)},
	}
}

// Every Cmd of a form page yields batches or this page's formMsg (no
// message of a type Bubble Tea keeps to itself, such as a sequence), and
// the page takes back only its own messages: those of a page it replaced
// are dropped.
func TestFormPageRoutesOnlyItsOwnMessages(t *testing.T) {
	var a, b string
	old, _ := newFormPage(DefaultStyles(), topologyLayout, 80, 20, formPageFields(&a, &b), 0)
	p, cmd := newFormPage(DefaultStyles(), topologyLayout, 80, 20, formPageFields(&a, &b), 0)
	msgs := topologyMsgs(cmd)
	if len(msgs) == 0 {
		t.Fatal("starting the form yielded no message")
	}
	for _, msg := range msgs {
		fm, ok := msg.(formMsg)
		if !ok || fm.page != p.id {
			t.Fatalf("starting the form yielded %T %#v, want a formMsg of page %d", msg, msg, p.id)
		}
		if _, ok := p.open(msg); !ok {
			t.Errorf("the page does not open its own message %#v", msg)
		}
		if _, ok := old.open(msg); ok {
			t.Errorf("a replaced page opens the new page's message %#v", msg)
		}
	}

	// enter on the first input moves to the second through huh's own
	// messages, routed back to the page.
	queue := []tea.Msg{tea.KeyPressMsg{Code: tea.KeyEnter}}
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		inner, ok := p.open(msg)
		if !ok {
			continue
		}
		queue = append(queue, topologyMsgs(p.update(inner))...)
	}
	if p.focused() != 1 {
		t.Errorf("focus on field %d after enter, want 1 (b)", p.focused())
	}
	// A "next field" of the replaced page changes nothing.
	if _, ok := p.open(formMsg{page: old.id, msg: huh.NextField()}); ok {
		t.Error("the page opens a message of the page it replaced")
	}
	if k := p.Keys(DefaultKeyMap().none(), false, false); !k.Next.Enabled() || k.Next.Help().Desc != "continue" {
		t.Errorf("on the last field of the last page enter should continue: %+v", k.Next.Help())
	}
}
