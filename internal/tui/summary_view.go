package tui

import (
	"fmt"
	"strings"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// View implements screenModel: the content scrolled to offset and, when it
// does not fit, a line saying what is above and below.
func (m summaryModel) View() string {
	content := m.content()
	var lines []string
	if h := m.contentHeight(); h < len(content) {
		lines = append(lines, content[m.offset:min(m.offset+h, len(content))]...)
		var parts []string
		if m.offset > 0 {
			parts = append(parts, fmt.Sprintf("↑ %d more", m.offset))
		}
		if below := len(content) - m.offset - h; below > 0 {
			parts = append(parts, fmt.Sprintf("↓ %d more", below))
		}
		lines = append(lines, m.styles.Subtle.Render(strings.Join(parts, " · ")+" lines · pgup/pgdn page"))
	} else {
		lines = content
	}
	for i := range lines {
		lines[i] = fit(lines[i], m.width)
	}
	return strings.Join(lines, "\n")
}

// contentHeight is the number of content lines drawn: all of them, or the
// height less the scroll line.
func (m summaryModel) contentHeight() int {
	n := len(m.content())
	if m.height <= 0 || n <= m.height {
		return n
	}
	return max(m.height-1, 1)
}

func (m summaryModel) maxOffset() int {
	return max(len(m.content())-m.contentHeight(), 0)
}

func (m summaryModel) clamp() summaryModel {
	m.offset = max(min(m.offset, m.maxOffset()), 0)
	return m
}

// content is what the screen shows: verify's run while it is open, else the
// summary.
func (m summaryModel) content() []string {
	if m.verifying {
		return m.verify.lines(m.width)
	}
	return m.summaryContent()
}

// summaryContent is the whole summary, wrapped to the width at spaces
// (commands and paths stay whole where they fit).
func (m summaryModel) summaryContent() []string {
	st := m.styles
	cfg, sum := m.s.cfg, m.s.installed
	var lines []string
	// add wraps text after prefix, continuing under indent.
	add := func(prefix, text, indent string) {
		lines = append(lines, installWrapCommand(prefix, text, m.width, indent)...)
	}
	if cfg == nil || sum == nil {
		add("", st.Warn.Render(GlyphWarn)+" Nothing was installed: esc goes back to the install screen.", "  ")
		return lines
	}
	failed, cut := summaryNotDone(*sum)
	switch {
	case failed == 0 && cut == 0:
		add("", st.OK.Render(GlyphOK)+" "+st.Title.Render(fmt.Sprintf("Mesh %s is installed in %s", cfg.MeshID, plural(len(cfg.Clusters), "cluster")))+
			fmt.Sprintf(": %s, Istio %s, %s in %s.", cfg.Model, cfg.TagOrVersion(), plural(len(sum.Steps), "step"), installDuration(sum.Duration)), "  ")
	default:
		add("", st.Fail.Render(GlyphFail)+" "+st.Title.Render(fmt.Sprintf("The install of mesh %s did not finish", cfg.MeshID))+
			fmt.Sprintf(": %d failed, %d not run. What was applied is recorded in each cluster's %s/%s; esc goes back to the install, where r runs setup again to finish it.",
				failed, cut, install.Namespace, install.RecordName), "  ")
	}
	if m.s.caMessage != "" {
		add("", st.Subtle.Render("CA: ")+m.s.caMessage, "  ")
	}
	if m.s.allowLoopback {
		add("", st.Warn.Render(GlyphWarn)+" loopback API server addresses were accepted: the remote secrets work for clusters on this machine only.", "  ")
	}

	lines = append(lines, "", st.Title.Render("What was installed"))
	for i := range cfg.Clusters {
		cl := &cfg.Clusters[i]
		role := string(cl.Role)
		if cl.Role == mesh.Remote {
			role = "remote of " + cl.Primary
		}
		add("  ", st.Title.Render(cl.Name)+st.Subtle.Render(" · context "+cl.Context+" · "+role+" · network "+cl.Network), "    ")
		for _, l := range m.installedIn(cl, *sum) {
			add("    ", l, "      ")
		}
	}

	lines = append(lines, "", st.Title.Render("How to verify it"))
	add("  ", st.Subtle.Render("press v: ask each primary's istiod now which clusters it reads and whose endpoints it serves (the same as meshwiz verify "+
		installContextFlags(cfg)+"; s there adds the helloworld sample)"), "  ")
	add("  ", st.Subtle.Render("istiod and the gateways run in every cluster:"), "  ")
	for _, cl := range cfg.Clusters {
		add("    ", "kubectl --context "+installQuote(cl.Context)+" -n "+install.Namespace+" get pods", "      ")
	}
	add("  ", st.Subtle.Render("each primary's istiod reads the other clusters (all synced):"), "  ")
	for _, cl := range cfg.Primaries() {
		add("    ", "istioctl remote-clusters --context "+installQuote(cl.Context), "      ")
	}
	add("  ", st.Subtle.Render("the checks again, now with Istio in place:"), "  ")
	add("    ", "meshwiz check "+installContextFlags(cfg), "      ")

	lines = append(lines, "", st.Title.Render("Where the files are"))
	const col = "                 " // under the values of "  certificates  "
	if m.s.configPath != "" {
		add("  mesh config    ", m.s.configPath, col)
		add(col, st.Subtle.Render("replay: ")+installSetupCommand(m.s, m.s.configPath), col)
	} else {
		add("  mesh config    ", "not saved: press esc twice to go back to the review, then s", col)
	}
	if cfg.Security.CA.Mode == mesh.CAExisting {
		add("  certificates   ", cfg.Security.CA.Dir+st.Subtle.Render(": the CA you brought"), col)
	} else {
		add("  certificates   ", cfg.Security.CA.Dir+st.Subtle.Render(": root-key.pem signs every cluster's CA; keep it safe, offline if you can"), col)
	}
	if m.s.exportDir != "" {
		add("  plan export    ", m.s.exportDir, col)
	}

	lines = append(lines, "", st.Title.Render("How to undo it"))
	add("    ", "meshwiz teardown "+installContextFlags(cfg), "      ")
	add("  ", st.Subtle.Render("or start meshwiz again and choose Teardown: it shows what it will remove first."), "  ")
	return lines
}

// installedIn lists what the run put into cluster cl, and what it did not
// get to.
func (m summaryModel) installedIn(cl *mesh.Cluster, sum steps.Summary) []string {
	st := m.styles
	ok := st.OK.Render(GlyphOK) + " "
	var releases, secrets, exposed, notDone []string
	var address, mtls, injection string
	for _, e := range sum.Steps {
		if e.Step.Cluster != cl.Context {
			continue
		}
		if e.Status == steps.Failed || e.Cut() {
			what := e.Label
			if e.Status == steps.Failed {
				what += " (failed)"
			}
			notDone = append(notDone, what)
			continue
		}
		if e.Status != steps.Passed && e.Status != steps.Warned {
			continue // nothing to do there: permissive mTLS, no namespaces to inject
		}
		switch id := e.Step.ID; {
		case id == install.IDBase:
			releases = append(releases, install.ReleaseBase)
		case id == install.IDIstiod:
			releases = append(releases, install.ReleaseIstiod)
		case id == install.IDGateway:
			releases = append(releases, install.ReleaseGateway)
		case id == install.IDGatewayAddress:
			address = e.Message
		case id == install.IDExposeIstiod:
			exposed = append(exposed, "istiod (for its remotes)")
		case id == install.IDExposeServices:
			exposed = append(exposed, "services (cross-network-gateway)")
		case strings.HasPrefix(id, install.IDRemoteSecret):
			secrets = append(secrets, strings.TrimPrefix(id, install.IDRemoteSecret))
		case id == install.IDMeshMTLS:
			mtls = "mesh-wide mTLS " + m.s.cfg.Security.MTLS
		case id == install.IDInjection:
			injection = e.Message
		}
	}
	var out []string
	if len(releases) > 0 {
		out = append(out, ok+"Helm releases "+strings.Join(releases, ", ")+" in "+install.Namespace)
	}
	if address != "" {
		out = append(out, ok+address)
	}
	if len(exposed) > 0 {
		out = append(out, ok+"exposed through the east-west gateway: "+strings.Join(exposed, ", "))
	}
	if len(secrets) > 0 {
		out = append(out, ok+"remote secrets: istiod in "+cl.Name+" reads "+strings.Join(secrets, ", "))
	}
	for _, s := range []string{mtls, injection} {
		if s != "" {
			out = append(out, ok+s)
		}
	}
	if len(notDone) > 0 {
		out = append(out, st.Fail.Render(GlyphFail)+" not done: "+strings.Join(notDone, ", "))
	}
	if len(out) == 0 {
		out = append(out, st.Subtle.Render("nothing"))
	}
	return out
}

// summaryNotDone counts the failed steps and those that did not run
// because of a failure or a cancel.
func summaryNotDone(sum steps.Summary) (failed, cut int) {
	for _, e := range sum.Steps {
		switch {
		case e.Status == steps.Failed:
			failed++
		case e.Cut():
			cut++
		}
	}
	return failed, cut
}

// finalText is the whole summary, and verify's last run if there was one,
// printed when the wizard quits on it.
func (m summaryModel) finalText() string {
	lines := m.summaryContent()
	if m.verify.plan != nil {
		lines = append(append(lines, ""), m.verify.lines(m.width)...)
	}
	return strings.Join(lines, "\n")
}
