package ui

// Context is where a binding applies. Dispatch tries the focused context
// first, then its parents (see contextChain), so one table describes every
// key the console answers to; the help view and the hints read that table.
type Context string

const (
	CtxGlobal  Context = "global"
	CtxList    Context = "lists"
	CtxChat    Context = "chat"
	CtxInput   Context = "chat input"
	CtxCards   Context = "cards"
	CtxCard    Context = "card detail"
	CtxDrift   Context = "drift"
	CtxAnomaly Context = "anomaly"
	CtxDialog  Context = "dialog"
	CtxPrompt  Context = "palette / filter"
	CtxHelp    Context = "help"
)

// contextOrder is the order the help view lists contexts in.
var contextOrder = []Context{CtxGlobal, CtxList, CtxChat, CtxInput, CtxCards, CtxCard, CtxDrift, CtxAnomaly, CtxDialog, CtxPrompt, CtxHelp}

// Action is what a key does.
type Action int

const (
	ActNone Action = iota
	ActQuit
	ActNextPane
	ActPrevPane
	ActFocusChat
	ActFocusCards
	ActFocusDrift
	ActFocusAnomaly
	ActHelp
	ActPalette
	ActFilter
	ActUp
	ActDown
	ActPageUp
	ActPageDown
	ActTop
	ActBottom
	ActClear
	ActCompose
	ActSend
	ActStopTyping
	ActCancelTurn
	ActToggleTools
	ActPullModel
	ActOpenCard
	ActCloseCard
	ActApprove
	ActReject
	ActCopyJSON
	ActRevertFinding
	ActRevertZone
	ActConfirm
	ActCancel
	ActSubmit
	ActCloseHelp
)

// Binding is one row of the key table.
type Binding struct {
	Keys      []string // as tea.KeyPressMsg.String() spells them
	Help      string
	Context   Context
	Action    Action
	Dangerous bool // writes or decides: absent in read-only mode
	Hint      bool // shown in the one-line hints of its context
}

// DefaultBindings is the whole key table.
func DefaultBindings() []Binding {
	return []Binding{
		{Keys: []string{"ctrl+c"}, Help: "quit", Context: CtxGlobal, Action: ActQuit},
		{Keys: []string{"q"}, Help: "quit", Context: CtxGlobal, Action: ActQuit, Hint: true},
		{Keys: []string{"tab"}, Help: "next pane", Context: CtxGlobal, Action: ActNextPane, Hint: true},
		{Keys: []string{"shift+tab"}, Help: "previous pane", Context: CtxGlobal, Action: ActPrevPane},
		{Keys: []string{"1"}, Help: "chat pane", Context: CtxGlobal, Action: ActFocusChat},
		{Keys: []string{"2"}, Help: "cards pane", Context: CtxGlobal, Action: ActFocusCards},
		{Keys: []string{"3"}, Help: "drift pane", Context: CtxGlobal, Action: ActFocusDrift},
		{Keys: []string{"4"}, Help: "anomaly pane", Context: CtxGlobal, Action: ActFocusAnomaly},
		{Keys: []string{"?"}, Help: "help", Context: CtxGlobal, Action: ActHelp, Hint: true},
		{Keys: []string{":"}, Help: "command palette", Context: CtxGlobal, Action: ActPalette, Hint: true},

		{Keys: []string{"k", "up"}, Help: "move up", Context: CtxList, Action: ActUp},
		{Keys: []string{"j", "down"}, Help: "move down", Context: CtxList, Action: ActDown, Hint: true},
		{Keys: []string{"pgup"}, Help: "page up", Context: CtxList, Action: ActPageUp},
		{Keys: []string{"pgdown"}, Help: "page down", Context: CtxList, Action: ActPageDown},
		{Keys: []string{"g", "home"}, Help: "first", Context: CtxList, Action: ActTop},
		{Keys: []string{"G", "end"}, Help: "last", Context: CtxList, Action: ActBottom},
		{Keys: []string{"/"}, Help: "filter", Context: CtxList, Action: ActFilter, Hint: true},
		{Keys: []string{"esc"}, Help: "clear filter and selection", Context: CtxList, Action: ActClear},

		{Keys: []string{"i", "enter"}, Help: "write a message", Context: CtxChat, Action: ActCompose, Hint: true},
		{Keys: []string{"k", "up"}, Help: "scroll up", Context: CtxChat, Action: ActUp},
		{Keys: []string{"j", "down"}, Help: "scroll down", Context: CtxChat, Action: ActDown},
		{Keys: []string{"pgup"}, Help: "page up", Context: CtxChat, Action: ActPageUp},
		{Keys: []string{"pgdown"}, Help: "page down", Context: CtxChat, Action: ActPageDown},
		{Keys: []string{"G", "end"}, Help: "follow the newest", Context: CtxChat, Action: ActBottom},
		{Keys: []string{"x"}, Help: "expand/collapse tool calls", Context: CtxChat, Action: ActToggleTools, Hint: true},
		{Keys: []string{"P"}, Help: "pull the missing model", Context: CtxChat, Action: ActPullModel},
		{Keys: []string{"esc"}, Help: "stop the answer", Context: CtxChat, Action: ActCancelTurn},

		{Keys: []string{"enter"}, Help: "send", Context: CtxInput, Action: ActSend, Hint: true},
		{Keys: []string{"esc"}, Help: "stop typing", Context: CtxInput, Action: ActStopTyping, Hint: true},

		{Keys: []string{"enter"}, Help: "open card", Context: CtxCards, Action: ActOpenCard, Hint: true},
		{Keys: []string{"a"}, Help: "approve card", Context: CtxCards, Action: ActApprove, Dangerous: true, Hint: true},
		{Keys: []string{"r"}, Help: "reject card (with a reason)", Context: CtxCards, Action: ActReject, Dangerous: true, Hint: true},
		{Keys: []string{"y"}, Help: "copy card JSON (OSC 52)", Context: CtxCards, Action: ActCopyJSON, Hint: true},

		{Keys: []string{"esc", "enter"}, Help: "back to the queue", Context: CtxCard, Action: ActCloseCard, Hint: true},
		{Keys: []string{"k", "up"}, Help: "scroll up", Context: CtxCard, Action: ActUp},
		{Keys: []string{"j", "down"}, Help: "scroll down", Context: CtxCard, Action: ActDown},

		{Keys: []string{"v"}, Help: "propose revert of the finding", Context: CtxDrift, Action: ActRevertFinding, Dangerous: true, Hint: true},
		{Keys: []string{"V"}, Help: "propose revert of the zone's findings", Context: CtxDrift, Action: ActRevertZone, Dangerous: true, Hint: true},

		{Keys: []string{"enter"}, Help: "confirm", Context: CtxDialog, Action: ActConfirm, Hint: true},
		{Keys: []string{"esc"}, Help: "cancel", Context: CtxDialog, Action: ActCancel, Hint: true},

		{Keys: []string{"enter"}, Help: "apply", Context: CtxPrompt, Action: ActSubmit, Hint: true},
		{Keys: []string{"esc"}, Help: "cancel", Context: CtxPrompt, Action: ActCancel, Hint: true},

		{Keys: []string{"esc", "?", "q"}, Help: "close help", Context: CtxHelp, Action: ActCloseHelp, Hint: true},
		{Keys: []string{"k", "up"}, Help: "scroll up", Context: CtxHelp, Action: ActUp},
		{Keys: []string{"j", "down"}, Help: "scroll down", Context: CtxHelp, Action: ActDown},
	}
}

// Keymap is the active key table: in read-only mode the dangerous bindings
// are not in it at all, so neither dispatch nor help nor hints see them.
type Keymap struct {
	bindings []Binding
	index    map[Context]map[string]Action
}

// NewKeymap builds the active table from bindings.
func NewKeymap(bindings []Binding, readOnly bool) Keymap {
	k := Keymap{index: map[Context]map[string]Action{}}
	for _, b := range bindings {
		if readOnly && b.Dangerous {
			continue
		}
		k.bindings = append(k.bindings, b)
		if k.index[b.Context] == nil {
			k.index[b.Context] = map[string]Action{}
		}
		for _, key := range b.Keys {
			k.index[b.Context][key] = b.Action
		}
	}
	return k
}

// Bindings returns the active bindings in table order.
func (k Keymap) Bindings() []Binding { return k.bindings }

// In returns the active bindings of one context.
func (k Keymap) In(ctx Context) []Binding {
	var out []Binding
	for _, b := range k.bindings {
		if b.Context == ctx {
			out = append(out, b)
		}
	}
	return out
}

// Lookup finds the action for key, trying each context of chain in order.
func (k Keymap) Lookup(key string, chain ...Context) (Action, bool) {
	for _, ctx := range chain {
		if a, ok := k.index[ctx][key]; ok {
			return a, true
		}
	}
	return ActNone, false
}

// Hints returns the hint bindings for a chain of contexts, most specific
// first. A key claimed by an earlier context is not shown again for a later
// one (it would not reach it); each binding shows its first free key.
func (k Keymap) Hints(chain ...Context) []Binding {
	var out []Binding
	claimed := map[string]bool{}
	for _, ctx := range chain {
		bs := k.In(ctx)
		for _, b := range bs {
			if !b.Hint {
				continue
			}
			var free []string
			for _, key := range b.Keys {
				if !claimed[key] {
					free = append(free, key)
				}
			}
			if len(free) > 0 {
				b.Keys = free
				out = append(out, b)
			}
		}
		for _, b := range bs {
			for _, key := range b.Keys {
				claimed[key] = true
			}
		}
	}
	return out
}
