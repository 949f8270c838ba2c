// Package e2e holds meshwiz's end-to-end tests: the real binary in a real
// pseudo-terminal (tmux), driven by typed keys and read back from the
// screen, against real kube-apiservers of the test bed; and the wizard's
// whole flow in a tea.Program (teatest). Nothing here is a library.
package e2e
