package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

type promptKind int

const (
	promptPalette promptKind = iota
	promptFilter
)

// promptState is the one-line input at the bottom: the command palette or
// a list filter.
type promptState struct {
	kind promptKind
	in   lineInput
}

// paletteCommands are the palette's commands, for the error message.
const paletteCommands = ":zone NAME, :zone, :chat, :cards, :drift, :anomaly, :model NAME, :pull, :help, :quit"

// runCommand executes one palette command.
func (m *Model) runCommand(text string) tea.Cmd {
	fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(text), ":"))
	if len(fields) == 0 {
		return nil
	}
	arg := strings.Join(fields[1:], " ")
	switch fields[0] {
	case "zone", "z":
		m.setZone(arg)
		if arg == "" {
			m.setFlash("zone filter cleared")
		} else {
			m.setFlash("showing zone " + arg + " only (:zone clears)")
		}
	case "chat":
		m.focusPane(paneChat)
	case "cards":
		m.focusPane(paneCards)
	case "drift":
		m.focusPane(paneDrift)
	case "anomaly", "anomalies":
		m.focusPane(paneAnomaly)
	case "model":
		if arg == "" {
			m.setFlash("usage: :model NAME")
			return nil
		}
		return m.setModelCmd(arg)
	case "pull":
		return m.startPull()
	case "help":
		m.help = true
	case "quit", "q":
		return m.quit()
	default:
		m.setFlash(fmt.Sprintf("unknown command %q; commands: %s", fields[0], paletteCommands))
	}
	return nil
}

// setZone filters every pane to one zone ("" shows all).
func (m *Model) setZone(zone string) {
	m.zone = zone
	m.cards.zone, m.drift.zone, m.anom.zone = zone, zone, zone
	m.cards.refilter()
	m.drift.refilter()
	m.anom.refilter()
}

// applyFilter sets the text filter of the focused list.
func (m *Model) applyFilter(q string) {
	switch m.focus {
	case paneCards:
		m.cards.filter = q
		m.cards.refilter()
	case paneDrift:
		m.drift.filter = q
		m.drift.refilter()
	case paneAnomaly:
		m.anom.filter = q
		m.anom.refilter()
	}
}
