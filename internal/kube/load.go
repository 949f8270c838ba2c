package kube

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/meshwiz/meshwiz/internal/input"
)

// MaxKubeconfigBytes caps the size of one kubeconfig file: a kubeconfig of
// 500 contexts with embedded certificates is about 3 MB, and reading
// /dev/zero must fail with a message, not run out of memory.
const MaxKubeconfigBytes = 32 << 20

// loaded is one read of the kubeconfig files: the merged config, its
// contexts sorted by name and an index by name. It is read-only once built.
type loaded struct {
	raw      *clientcmdapi.Config
	contexts []Context
	byName   map[string]int
	err      error
}

// cacheEntry builds a loaded value once, however many goroutines ask.
type cacheEntry struct {
	once sync.Once
	val  *loaded
}

// loadCache holds the last reads of the kubeconfig, keyed by the files'
// names, sizes and modification times: every probe, client and lookup of a
// process shares one read and parse (a kubeconfig of 500 contexts was read
// 1,000 times by `contexts` before), and an edited file is read again.
var loadCache = struct {
	sync.Mutex
	entries map[string]*cacheEntry
	order   []string
}{entries: map[string]*cacheEntry{}}

const loadCacheSize = 8

// load returns the merged kubeconfig, read once per version of its files.
func (l Loader) load() *loaded {
	files := l.Files()
	var key strings.Builder
	for _, f := range files {
		fmt.Fprintf(&key, "%s\x00", f)
		if fi, err := os.Stat(f); err == nil {
			fmt.Fprintf(&key, "%d\x00%d\x00%v\x00", fi.Size(), fi.ModTime().UnixNano(), fi.Mode())
		}
		key.WriteString("\x01")
	}
	k := key.String()
	loadCache.Lock()
	e, ok := loadCache.entries[k]
	if !ok {
		e = &cacheEntry{}
		loadCache.entries[k] = e
		loadCache.order = append(loadCache.order, k)
		if len(loadCache.order) > loadCacheSize {
			delete(loadCache.entries, loadCache.order[0])
			loadCache.order = loadCache.order[1:]
		}
	}
	loadCache.Unlock()
	e.once.Do(func() { e.val = l.read(files) })
	return e.val
}

// read checks every file's size, then merges them with clientcmd's rules.
func (l Loader) read(files []string) *loaded {
	for _, f := range files {
		if err := checkKubeconfigSize(f); err != nil {
			return &loaded{err: err}
		}
	}
	cfg, err := l.rules().Load()
	if err != nil {
		return &loaded{err: fmt.Errorf("loading kubeconfig %s: %w", strings.Join(files, ":"), err)}
	}
	// A context entry without a name cannot be selected (an empty --context
	// means the current context, which would silently be another one): it is
	// not listed, and a file with only such entries has no contexts.
	delete(cfg.Contexts, "")
	if len(cfg.Contexts) == 0 {
		if existing := existingFiles(files); len(existing) > 0 {
			return &loaded{err: &ConfigError{Reason: ReasonNoContexts,
				Msg:  fmt.Sprintf("kubeconfig %s defines no contexts", strings.Join(existing, ":")),
				Hint: "add a context (kubectl config set-context NAME --cluster C --user U) or pass --kubeconfig with a file that has one"}}
		}
		return &loaded{err: fmt.Errorf("%w (looked in %s)", ErrNoKubeconfig, strings.Join(files, ":"))}
	}
	out := &loaded{raw: cfg, contexts: make([]Context, 0, len(cfg.Contexts)), byName: make(map[string]int, len(cfg.Contexts))}
	for name, kc := range cfg.Contexts {
		c := Context{Name: name, Cluster: kc.Cluster, User: kc.AuthInfo, Namespace: kc.Namespace, Current: name == cfg.CurrentContext}
		if cl, ok := cfg.Clusters[kc.Cluster]; ok {
			c.Server = RedactURL(cl.Server)
			c.TLSServerName = cl.TLSServerName
		}
		out.contexts = append(out.contexts, c)
	}
	slices.SortFunc(out.contexts, func(a, b Context) int { return strings.Compare(a.Name, b.Name) })
	for i, c := range out.contexts {
		out.byName[c.Name] = i
	}
	return out
}

func existingFiles(files []string) []string {
	var out []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			out = append(out, f)
		}
	}
	return out
}

// checkKubeconfigSize fails when path holds more than MaxKubeconfigBytes
// (a device or a FIFO included). A missing file is no error: clientcmd's
// rules decide about those.
func checkKubeconfigSize(path string) error {
	err := input.CheckSize(path, MaxKubeconfigBytes, "kubeconfig")
	var big *input.TooLargeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.As(err, &big):
		return &ConfigError{Reason: ReasonInvalidConfig, Msg: big.Error(),
			Hint: "pass --kubeconfig with a kubeconfig file (not a device or a stream), or split it"}
	case err != nil:
		return fmt.Errorf("reading kubeconfig %s: %w", path, err)
	}
	return nil
}

// RedactURL replaces the password of a URL's user information with
// "xxxxx" (and drops a user name given alone), so that a server URL such as
// https://user:pass@host can be shown. A string that does not parse is
// returned with everything before the last '@' of its authority replaced.
func RedactURL(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	u, err := url.Parse(s)
	if err == nil {
		if u.User == nil {
			return s
		}
		u.User = url.User("xxxxx")
		return u.String()
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		scheme, rest = "", s
	}
	auth, path, _ := strings.Cut(rest, "/")
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		auth = "xxxxx@" + auth[i+1:]
	}
	out := auth
	if path != "" || strings.Contains(rest, "/") {
		out += "/" + path
	}
	if ok {
		out = scheme + "://" + out
	}
	return out
}

// clientConfig is the clientcmd.ClientConfig of one context, built from
// the loaded kubeconfig without reading the files again.
func (l Loader) clientConfig(ld *loaded, contextName, namespace string) clientcmd.ClientConfig {
	overrides := &clientcmd.ConfigOverrides{CurrentContext: contextName}
	overrides.Context.Namespace = namespace
	return clientcmd.NewNonInteractiveClientConfig(*ld.raw, contextName, overrides, l.rules())
}
