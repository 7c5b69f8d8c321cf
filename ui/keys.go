package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/driftdeck/driftdeck/agent/proposal"
	"github.com/driftdeck/driftdeck/agent/sanitize"
)

// chain is the order contexts are tried for the current state.
func (m *Model) chain() []Context {
	switch {
	case m.dlg != nil:
		return []Context{CtxDialog}
	case m.prompt != nil:
		return []Context{CtxPrompt}
	case m.help:
		return []Context{CtxHelp, CtxGlobal}
	}
	switch m.focus {
	case paneChat:
		if m.chat.composing {
			return []Context{CtxInput}
		}
		return []Context{CtxChat, CtxGlobal}
	case paneCards:
		if m.cards.open {
			return []Context{CtxCard, CtxCards, CtxList, CtxGlobal}
		}
		return []Context{CtxCards, CtxList, CtxGlobal}
	case paneDrift:
		return []Context{CtxDrift, CtxList, CtxGlobal}
	}
	return []Context{CtxAnomaly, CtxList, CtxGlobal}
}

// handleKey dispatches a key through the key table; text inputs get the
// keys the table does not claim.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	key := msg.String()
	if key == "ctrl+c" {
		return m.quit()
	}
	if m.dlg != nil {
		return m.dialogKey(msg)
	}
	act, ok := m.keys.Lookup(key, m.chain()...)
	if m.prompt != nil {
		if !ok {
			if m.prompt.in.edit(msg) && m.prompt.kind == promptFilter {
				m.applyFilter(m.prompt.in.Value()) // filter as you type
			}
			return nil
		}
		return m.do(act)
	}
	if m.chat.composing && m.focus == paneChat && !ok {
		m.chat.in.edit(msg)
		return nil
	}
	if !ok {
		return nil
	}
	if act != ActNone {
		m.flash = ""
	}
	return m.do(act)
}

// dialogKey answers a dialog. Keys other than esc are ignored until the
// dialog has been on screen for the guard time.
func (m *Model) dialogKey(msg tea.KeyPressMsg) tea.Cmd {
	d := m.dlg
	act, ok := m.keys.Lookup(msg.String(), CtxDialog)
	if ok && act == ActCancel {
		m.dlg = nil
		return nil
	}
	if !d.ready(m.now(), m.opts.InputGuard) {
		return nil
	}
	if ok && act == ActConfirm {
		if !d.check() {
			return nil
		}
		m.dlg = nil
		if d.kind == dialogReject {
			return m.rejectCmd(d.cardID, strings.TrimSpace(d.in.Value()))
		}
		return m.approveCmd(d.cardID, d.hash)
	}
	if d.hasInput() && d.in.edit(msg) {
		d.err = ""
	}
	return nil
}

// do performs one action.
func (m *Model) do(act Action) tea.Cmd {
	switch act {
	case ActQuit:
		return m.quit()
	case ActNextPane:
		m.focusPane(m.focus + 1)
	case ActPrevPane:
		m.focusPane(m.focus - 1)
	case ActFocusChat, ActFocusCards, ActFocusDrift, ActFocusAnomaly:
		m.focusPane(pane(act - ActFocusChat))
	case ActHelp:
		m.help, m.helpScroll = true, 0
	case ActCloseHelp:
		m.help = false
	case ActPalette:
		m.prompt = &promptState{kind: promptPalette, in: newLineInput(":", 200)}
	case ActFilter:
		in := newLineInput("/", 200)
		in.insert(m.currentFilter())
		m.prompt = &promptState{kind: promptFilter, in: in}
	case ActSubmit:
		p := m.prompt
		m.prompt = nil
		if p.kind == promptPalette {
			return m.runCommand(p.in.Value())
		}
		m.applyFilter(p.in.Value())
	case ActCancel:
		m.prompt = nil
	case ActUp, ActDown, ActPageUp, ActPageDown, ActTop, ActBottom:
		m.move(act)
	case ActClear:
		m.clearList()
	case ActCompose:
		if !chatUsable(m.status) {
			m.setFlash("chat is unavailable: " + sanitize.Line(m.status.ModelHint))
			return nil
		}
		m.chat.composing = true
	case ActStopTyping:
		m.chat.composing = false
	case ActSend:
		return m.send()
	case ActCancelTurn:
		if m.askCancel != nil {
			m.askCancel()
		}
	case ActToggleTools:
		m.chat.toggleTools()
	case ActPullModel:
		return m.startPull()
	case ActOpenCard:
		if m.cards.selected() == nil && !m.cards.move(1) {
			return nil
		}
		m.cards.open, m.cards.detailScroll = true, 0
		m.cardShown()
	case ActCloseCard:
		m.cards.open = false
	case ActApprove, ActReject:
		return m.decide(act)
	case ActCopyJSON:
		p := m.cards.selected()
		if p == nil {
			m.setFlash("select a card first (j/k)")
			return nil
		}
		cmd, err := copyCard(p)
		if err != nil {
			m.setFlash(err.Error())
			return nil
		}
		m.setFlash("copied card " + sanitize.Line(p.ID) + " as JSON (OSC 52)")
		return cmd
	case ActRevertFinding:
		f := m.drift.selected()
		if f == nil {
			m.setFlash("select a finding first (j/k)")
			return nil
		}
		if len(f.Revert) == 0 {
			m.setFlash("cannot revert automatically: " + sanitize.Line(f.NoRevert))
			return nil
		}
		return m.revertCmd(f.Zone, []string{f.ID})
	case ActRevertZone:
		zone := m.zone
		if f := m.drift.selected(); f != nil {
			zone = f.Zone
		}
		if zone == "" {
			m.setFlash("select a finding (or :zone NAME) to revert a zone")
			return nil
		}
		ids := m.drift.zoneFindings(zone)
		if len(ids) == 0 {
			m.setFlash("no revertable findings in " + sanitize.Hostname(zone))
			return nil
		}
		return m.revertCmd(zone, ids)
	}
	return nil
}

// cardShown starts the guard: approve/reject keys right after a card
// appears under the cursor are ignored.
func (m *Model) cardShown() {
	m.guardUntil = m.now().Add(m.opts.InputGuard)
}

// decide opens the approve or reject dialog for the selected card.
func (m *Model) decide(act Action) tea.Cmd {
	p := m.cards.selected()
	if p == nil {
		m.setFlash("select a card first (j/k, enter)")
		return nil
	}
	if m.now().Before(m.guardUntil) {
		m.setFlash("key ignored: the card just appeared; press it again")
		return nil
	}
	if p.Status.Final() || p.Status == proposal.StatusExecuting {
		m.setFlash("card " + sanitize.Line(p.ID) + " is " + string(p.Status) + ": nothing to decide")
		return nil
	}
	if act == ActReject {
		m.dlg = newRejectDialog(p, m.now())
		return nil
	}
	if p.Status != proposal.StatusPending {
		m.setFlash("card " + sanitize.Line(p.ID) + " is " + string(p.Status) + ": only pending cards take approvals")
		return nil
	}
	if p.Policy.Decision == proposal.DecisionDeny {
		m.setFlash("policy denies card " + sanitize.Line(p.ID) + ": it cannot be approved")
		return nil
	}
	m.dlg = newApproveDialog(p, m.now())
	return nil
}

func (m *Model) send() tea.Cmd {
	text := strings.TrimSpace(m.chat.in.Value())
	if text == "" {
		return nil
	}
	if m.chat.asking {
		m.setFlash("wait for the answer (esc stops it)")
		return nil
	}
	m.chat.in.Reset()
	m.chat.composing = false
	m.chat.asking, m.chat.turnText = true, false
	m.chat.tr.offset = 0
	m.chat.tr.add(&entry{kind: entryUser, raw: text})
	return m.ask(text)
}

func (m *Model) move(act Action) {
	step := map[Action]int{ActUp: -1, ActDown: 1, ActPageUp: -10, ActPageDown: 10, ActTop: -1 << 20, ActBottom: 1 << 20}[act]
	switch {
	case m.help:
		m.helpScroll = max(0, m.helpScroll+step)
	case m.focus == paneChat:
		if act == ActBottom {
			m.chat.tr.offset = 0
			return
		}
		m.chat.scroll(-step)
	case m.focus == paneCards && m.cards.open:
		m.cards.scrollDetail(step)
	case m.focus == paneCards:
		if m.cards.move(step) {
			m.cardShown()
		}
	case m.focus == paneDrift:
		m.drift.move(step)
	case m.focus == paneAnomaly:
		m.anom.move(step)
	}
}

func (m *Model) clearList() {
	switch m.focus {
	case paneCards:
		m.cards.selID, m.cards.open = "", false
	case paneDrift:
		m.drift.selID = ""
	case paneAnomaly:
		m.anom.selZone = ""
	}
	m.applyFilter("")
}

func (m *Model) currentFilter() string { return m.filterOf(m.focus) }
