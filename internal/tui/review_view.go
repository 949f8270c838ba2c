package tui

import (
	"fmt"
	"strings"

	"github.com/meshwiz/meshwiz/internal/install"
	"github.com/meshwiz/meshwiz/internal/mesh"
	"github.com/meshwiz/meshwiz/internal/steps"
)

// View implements screenModel: a fixed title, the plan scrolled to offset,
// and below it where the config and the export are and the open question.
func (m reviewModel) View() string {
	content := m.content()
	foot := m.footer()
	lines := []string{m.styles.Title.Render("Review: what setup will do, per cluster and in order"), ""}
	if h := m.contentHeight(); h < len(content) {
		end := min(m.offset+h, len(content))
		content = content[m.offset:end]
	}
	lines = append(lines, content...)
	lines = append(lines, foot...)
	if !m.asking() {
		lines = append(lines, m.scrollInfo())
	}
	return fitFrame(lines, m.width, m.height)
}

// reviewHeadLines is the title and the blank line under it.
const reviewHeadLines = 2

// contentHeight is the number of content lines drawn; everything when the
// height is unknown.
func (m reviewModel) contentHeight() int {
	if m.height <= 0 {
		return len(m.content())
	}
	info := 0 // the scroll line, when no question takes its place
	if !m.asking() {
		info = 1
	}
	return max(m.height-reviewHeadLines-len(m.footer())-info, 1)
}

// asking reports whether a question or a running Cmd takes the place of
// the scroll line.
func (m reviewModel) asking() bool {
	return m.confirming || m.conflict != nil || m.busy != ""
}

// maxOffset is the largest useful scroll offset.
func (m reviewModel) maxOffset() int {
	return max(len(m.content())-m.contentHeight(), 0)
}

// clamp keeps the offset within the content.
func (m reviewModel) clamp() reviewModel {
	m.offset = max(min(m.offset, m.maxOffset()), 0)
	return m
}

// content is everything the review shows, one line per entry, wrapped to
// the width: the mesh settings, then each cluster's steps in order.
func (m reviewModel) content() []string {
	st := m.styles
	cfg := m.s.cfg
	if cfg == nil {
		return []string{st.Fail.Render(GlyphFail) + " No clusters are chosen: esc goes back."}
	}
	var lines []string
	add := func(s string) { lines = append(lines, s) }
	addWrapped := func(s, indent string) {
		for i, l := range wrap(s, max(m.width-len(indent), 20)) {
			if i > 0 {
				l = indent + l
			}
			add(l)
		}
	}
	add(st.Title.Render("Mesh "+cfg.MeshID) + st.Subtle.Render(" · ") + string(cfg.Model) +
		st.Subtle.Render(" · ") + "Istio " + cfg.TagOrVersion() + st.Subtle.Render(" · ") +
		plural(len(cfg.Clusters), "cluster") + st.Subtle.Render(" · ") + plural(m.stepCount(), "step"))
	if m.planErr != nil {
		// The reason comes first: it is what the screen is about now.
		add("")
		add(st.Fail.Render(GlyphFail) + " The mesh config is not complete, so there is no plan yet:")
		for _, l := range strings.Split(m.planErr.Error(), "\n") {
			addWrapped("  "+l, "    ")
		}
		add(st.Subtle.Render("esc goes back to fix it."))
		add("")
		for _, l := range m.settings() {
			addWrapped("  "+l, "    ")
		}
		return lines
	}
	for _, l := range m.settings() {
		addWrapped("  "+l, "    ")
	}
	for i := range cfg.Clusters {
		cl := &cfg.Clusters[i]
		add("")
		role := string(cl.Role)
		if cl.Role == mesh.Remote {
			role = "remote of " + cl.Primary
		}
		add(st.Title.Render("Cluster "+cl.Name) + st.Subtle.Render(" · context ") + cl.Context +
			st.Subtle.Render(" · ") + role + st.Subtle.Render(" · network ") + cl.Network)
		inject := "no namespaces"
		if len(cl.InjectNamespaces) > 0 {
			inject = strings.Join(cl.InjectNamespaces, ", ")
		}
		addWrapped(st.Subtle.Render("  sidecar injection: ")+inject, "    ")
		n := 0
		for _, step := range m.plan {
			if step.Cluster != cl.Context {
				continue
			}
			n++
			addWrapped(fmt.Sprintf("  %2d. %s%s", n, step.Title, m.waitsFor(step)), "      ")
		}
	}
	return lines
}

// settings describes the mesh-wide choices, one line each.
func (m reviewModel) settings() []string {
	cfg := m.s.cfg
	st := m.styles
	out := []string{st.Subtle.Render("images ") + cfg.Istio.Hub + ":" + cfg.TagOrVersion(), install.ChartsFact(cfg)}
	mtls := cfg.Security.MTLS
	if mtls == mesh.MTLSStrict {
		mtls += st.Subtle.Render(": sidecars accept mutual TLS only")
	} else {
		mtls += st.Subtle.Render(": plain text is still accepted from workloads without sidecars")
	}
	out = append(out, st.Subtle.Render("mTLS ")+mtls)
	ca := cfg.Security.CA
	if ca.Mode == mesh.CAExisting {
		out = append(out, st.Subtle.Render("CA ")+"existing, read from "+ca.Dir+st.Subtle.Render(": its root and one intermediate per cluster"))
	} else {
		out = append(out, st.Subtle.Render("CA ")+"generated in "+ca.Dir+st.Subtle.Render(fmt.Sprintf(
			": a root and one intermediate per cluster, RSA %d (reused when already there)", installKeyBits(m.s))))
	}
	gateways := 0
	for i := range cfg.Clusters {
		if cfg.NeedsEastWestGateway(&cfg.Clusters[i]) {
			gateways++
		}
	}
	if gateways > 0 {
		out = append(out, st.Subtle.Render("east-west gateways ")+fmt.Sprintf("%d, Service type %s", gateways, cfg.EastWestGateway.ServiceType))
	}
	networks := map[string]bool{}
	for _, cl := range cfg.Clusters {
		networks[cl.Network] = true
	}
	if len(networks) > 1 {
		out = append(out, st.Subtle.Render("networks ")+fmt.Sprintf("%d: traffic between them goes through the east-west gateways", len(networks)))
	} else {
		out = append(out, st.Subtle.Render("networks ")+"1: pods reach each other directly")
	}
	if m.s.allowLoopback {
		out = append(out, st.Warn.Render(GlyphWarn)+" loopback API server addresses accepted: remote secrets work for clusters on this machine only")
	}
	out = append(out, st.Subtle.Render("Clusters are installed concurrently; the steps of a cluster run in this order."))
	return out
}

// waitsFor names the steps of other clusters a step waits for.
func (m reviewModel) waitsFor(step steps.Step) string {
	var out []string
	for _, ref := range step.After {
		if ref.Cluster == step.Cluster {
			continue
		}
		name := ref.Cluster
		for _, cl := range m.s.cfg.Clusters {
			if cl.Context == ref.Cluster {
				name = cl.Name
			}
		}
		what := ref.ID
		for _, s := range m.plan {
			if s.Ref() == ref {
				what = s.Name()
			}
		}
		out = append(out, what+" of "+name)
	}
	if len(out) == 0 {
		return ""
	}
	return m.styles.Subtle.Render(" (after the " + strings.Join(out, ", ") + ")")
}

// footer is what stays under the plan: where the config and the export
// are, and the open question or what is running.
func (m reviewModel) footer() []string {
	st := m.styles
	lines := []string{""}
	add := func(s string) { lines = append(lines, wrap(s, m.width)...) }
	switch {
	case m.saveErr != nil:
		add(st.Fail.Render(GlyphFail) + " config not saved: " + m.saveErr.Error())
	case m.s.configPath != "" && m.stale:
		add(st.Warn.Render(GlyphWarn) + " the config changed since it was saved to " + m.s.configPath + ": s saves it again")
	case m.s.configPath != "":
		add(st.OK.Render(GlyphOK) + " config saved to " + m.s.configPath)
		add(st.Subtle.Render("  replay it without the wizard:"))
		lines = append(lines, installWrapCommand("    ", installSetupCommand(m.s, m.s.configPath), m.width, "      ")...)
	default:
		add(st.Subtle.Render("config not saved yet: s saves it to ") + m.savePath())
	}
	switch {
	case m.exportErr != nil:
		add(st.Fail.Render(GlyphFail) + " plan not exported: " + m.exportErr.Error())
	case m.s.exportDir != "":
		add(st.OK.Render(GlyphOK) + fmt.Sprintf(" plan exported to %s (%s)", m.s.exportDir, plural(m.exported, "file")))
	default:
		add(st.Subtle.Render("plan not exported: e writes every cluster's manifests to ") + m.exportDir())
	}
	switch {
	case m.confirming:
		add(st.Title.Render(fmt.Sprintf("Apply %s to %s? y/n", plural(m.stepCount(), "step"), plural(len(m.s.cfg.Clusters), "cluster"))))
	case m.conflict != nil:
		add(st.Title.Render(fmt.Sprintf("%s holds a different mesh config. Overwrite it?", m.conflict.path)))
		add(fmt.Sprintf("y overwrites it · n saves as %s instead · esc cancels", m.conflict.alt))
	case m.busy != "":
		add(m.spinner.View() + " " + m.busy)
	}
	return lines
}

// scrollInfo says which part of the plan is shown when it does not fit.
func (m reviewModel) scrollInfo() string {
	total := len(m.content())
	h := m.contentHeight()
	if total <= h {
		return m.styles.Subtle.Render("enter asks before it installs anything")
	}
	var parts []string
	if m.offset > 0 {
		parts = append(parts, fmt.Sprintf("↑ %d more", m.offset))
	}
	if below := total - m.offset - h; below > 0 {
		parts = append(parts, fmt.Sprintf("↓ %d more", below))
	}
	return m.styles.Subtle.Render(strings.Join(parts, " · ") + " lines · pgup/pgdn page")
}
