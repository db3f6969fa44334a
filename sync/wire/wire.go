// Package wire holds the JSON shapes of sync protocol 1, spoken between a
// device (sync/client) and the sync server (the /api/sync/… routes). Both
// sides encode and decode these types and nothing else, so the protocol is
// written down once. Standard library only: it sits in the base layer
// beside sync/merge and sync/schema.
//
// Control flow travels in 200 bodies (scope added or revoked, a change
// rejected); an HTTP error means a real error: 401, 403 for a device id
// bound to someone else, 409 clock_skew, 413 a batch too large, 426 an
// app too old for the server, 5xx and 429 transient (retry the same
// batch).
package wire

// Protocol is the wire format's version; a server speaks N and N-1.
const Protocol = 1

// Limits of one request. A client splits its outbox at MaxPatches or
// ClientBatchBytes; the server refuses bodies over ServerBatchBytes.
const (
	MaxPatches       = 500
	ClientBatchBytes = 1 << 20
	ServerBatchBytes = 4 << 20
	MaxPullLimit     = 1000
	MaxWaitSeconds   = 25
)

// Scope kinds.
const (
	ScopeUser = "user" // a person's own data; its id is their server user id
	ScopeTeam = "team" // one team's shared data; its id is the team id
)

// Scope is one unit of authorisation and ordering the caller belongs to.
type Scope struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"` // a team's name
}

// DeviceRequest binds a device id to the signed-in user:
// POST /api/sync/devices.
type DeviceRequest struct {
	DeviceID      string `json:"device_id"`
	Name          string `json:"name"`
	SchemaVersion int    `json:"schema_version"`
}

// DeviceResponse tells a device who it is on this server.
type DeviceResponse struct {
	DatabaseID string  `json:"database_id"`
	Epoch      int64   `json:"epoch"`
	UserID     string  `json:"user_id"` // the caller's server user id: their personal scope
	ServerHLC  string  `json:"server_hlc"`
	MinSchema  int     `json:"min_schema"`
	MaxSchema  int     `json:"max_schema"`
	Scopes     []Scope `json:"scopes"`
}

// Patch is a device's write to some fields of one row. Fields hold the
// values (JSON as the schema registry types them), Clocks each field's
// "<hlc>@<device_id>", and Base the clock of the value the writer had seen
// before the edit ("" for none). ChangeIDs name the local change log
// entries the patch coalesces, so each is acknowledged.
type Patch struct {
	Table     string            `json:"table"`
	ScopeID   string            `json:"scope_id"`
	RowID     string            `json:"row_id"`
	Fields    map[string]any    `json:"fields"`
	Clocks    map[string]string `json:"clocks"`
	Base      map[string]string `json:"base"`
	ChangeIDs []string          `json:"change_ids"`
}

// PushRequest is POST /api/sync/push. A retry after a lost response
// reuses BatchID and gets the stored result.
type PushRequest struct {
	Protocol      int     `json:"protocol"`
	SchemaVersion int     `json:"schema_version"`
	DeviceID      string  `json:"device_id"`
	BatchID       string  `json:"batch_id"`
	Patches       []Patch `json:"patches"`
}

// RowState is a row as the server holds it: synced fields known to the
// caller's schema version, their clocks, and whether it is deleted.
type RowState struct {
	State   map[string]any    `json:"state"`
	Clocks  map[string]string `json:"clocks"`
	Deleted bool              `json:"deleted"`
}

// Rejection is one patch the server refused for good (permission,
// validation): the device keeps it, shows the reason, and rebuilds the row
// from Row (absent when the row does not exist on the server or the caller
// may not see it).
type Rejection struct {
	ChangeIDs []string  `json:"change_ids"`
	Table     string    `json:"table"`
	RowID     string    `json:"row_id"`
	Code      string    `json:"code"`
	Message   string    `json:"message"`
	Row       *RowState `json:"row,omitempty"`
}

// PushResponse answers a push once it is committed. Applied and
// Superseded list change ids (superseded: merged but beaten by a newer
// clock, or already seen); Conflicts counts concurrent overwrites recorded.
type PushResponse struct {
	Applied    []string         `json:"applied"`
	Superseded []string         `json:"superseded"`
	Rejected   []Rejection      `json:"rejected"`
	Conflicts  int              `json:"conflicts"`
	ServerHLC  string           `json:"server_hlc"`
	ScopesSeq  map[string]int64 `json:"scopes_seq"`
}

// Entry is one row's current state in a pull page, at its scope's seq.
type Entry struct {
	ScopeID string `json:"scope_id"`
	Seq     int64  `json:"seq"`
	Table   string `json:"table"`
	RowID   string `json:"row_id"`
	RowState
}

// Control messages in a pull.
const (
	ScopeAdded   = "scope_added"
	ScopeRevoked = "scope_revoked"
	ResyncScope  = "resync_scope"
	EpochChanged = "epoch_changed"
)

// Control tells a device about its scopes or the server itself.
type Control struct {
	Type            string `json:"type"`
	ScopeID         string `json:"scope_id,omitempty"`
	Kind            string `json:"kind,omitempty"`
	Reason          string `json:"reason,omitempty"`
	Epoch           int64  `json:"epoch,omitempty"`
	RestoredHighHLC string `json:"restored_high_hlc,omitempty"`
}

// PullResponse answers GET /api/sync/pull?cursor=…&limit=…&wait=…. A
// device applies the entries, the controls and the new cursor in one
// transaction, and pulls again while HasMore.
type PullResponse struct {
	Entries   []Entry   `json:"entries"`
	Control   []Control `json:"control"`
	Cursor    string    `json:"cursor"`
	HasMore   bool      `json:"has_more"`
	ServerHLC string    `json:"server_hlc"`
}

// Cursor is what the opaque pull cursor encodes (base64url JSON): the
// database and epoch it belongs to, and the last seq seen per scope. Full
// marks the scopes being downloaded from seq 0 (new to the device, or
// sent again after ResyncScope) until they are caught up: the server's
// horizon does not apply to them, since a download from the start misses
// no deletion the device knew of.
type Cursor struct {
	DatabaseID string           `json:"db"`
	Epoch      int64            `json:"e"`
	Seqs       map[string]int64 `json:"s"`
	Full       map[string]bool  `json:"f,omitempty"`
}

// BelowHorizon is the Reason of a ResyncScope: the device's cursor is
// older than deletions the server has since forgotten (compacted), so it
// downloads the scope again from seq 0 and drops the rows the server no
// longer has, keeping those with changes not yet sent.
const BelowHorizon = "below_horizon"

// Conflict is a concurrent overwrite kept by the server: the losing value
// can be brought back by writing it again.
type Conflict struct {
	ID          string `json:"id"`
	ScopeID     string `json:"scope_id"`
	Table       string `json:"table"`
	RowID       string `json:"row_id"`
	Field       string `json:"field"`
	LoserValue  any    `json:"loser_value"`
	LoserClock  string `json:"loser_clock"`
	WinnerValue any    `json:"winner_value"`
	WinnerClock string `json:"winner_clock"`
	CreatedAt   string `json:"created_at"`
}
