package modelmgr

// KnownModel is a published Vosk speech model that Settings offers to
// download by name instead of an address and a checksum.
type KnownModel struct {
	// ID is the model's published name; the archive is ID + ".zip".
	ID       string `json:"id"`
	Language string `json:"language"`
	// Lang is the language's code, for matching a person's locale.
	Lang string `json:"lang"`
	// Size is the archive's size as the model list publishes it (rounded
	// to MB there, so a download is checked to be near it, not equal).
	Size int64 `json:"size"`
	// SHA256 is the archive's checksum when it is pinned here; a download
	// must match it. Empty: see Known.
	SHA256 string `json:"sha256,omitempty"`
	// About says what the model is for.
	About string `json:"about"`
}

const mb = 1_000_000 // the list gives sizes in MB

// Known are the Vosk models offered in Settings: the names, languages and
// archive sizes as the Vosk project's model list publishes them (sizes
// there are rounded, e.g. "40M"). Their SHA-256 checksums could not be
// verified from this workplace (no network beyond the package registries),
// so none is pinned: a download of one of these is checked instead against
// the published size (within 20%), has its SHA-256 computed and recorded
// with the install (Status shows it), and must pass the same model check a
// picked folder does before it is used. Pin a checksum here once verified,
// and downloads of that model must match it exactly, as an address with a
// checksum must today.
var Known = []KnownModel{
	{ID: "vosk-model-small-en-us-0.15", Language: "English (US)", Lang: "en", Size: 40 * mb, About: "small, the usual choice"},
	{ID: "vosk-model-en-us-0.22-lgraph", Language: "English (US)", Lang: "en", Size: 128 * mb, About: "medium, more accurate"},
	{ID: "vosk-model-en-us-0.22", Language: "English (US)", Lang: "en", Size: 1800 * mb, About: "large, most accurate; needs a lot of memory"},
	{ID: "vosk-model-small-en-in-0.4", Language: "English (India)", Lang: "en", Size: 36 * mb, About: "small"},
	{ID: "vosk-model-small-de-0.15", Language: "German", Lang: "de", Size: 45 * mb, About: "small"},
	{ID: "vosk-model-small-fr-0.22", Language: "French", Lang: "fr", Size: 41 * mb, About: "small"},
	{ID: "vosk-model-small-es-0.42", Language: "Spanish", Lang: "es", Size: 39 * mb, About: "small"},
	{ID: "vosk-model-small-it-0.22", Language: "Italian", Lang: "it", Size: 48 * mb, About: "small"},
	{ID: "vosk-model-small-pt-0.3", Language: "Portuguese", Lang: "pt", Size: 31 * mb, About: "small"},
	{ID: "vosk-model-small-nl-0.22", Language: "Dutch", Lang: "nl", Size: 39 * mb, About: "small"},
	{ID: "vosk-model-small-ru-0.22", Language: "Russian", Lang: "ru", Size: 45 * mb, About: "small"},
	{ID: "vosk-model-small-cn-0.22", Language: "Chinese", Lang: "zh", Size: 42 * mb, About: "small"},
	{ID: "vosk-model-small-ja-0.22", Language: "Japanese", Lang: "ja", Size: 48 * mb, About: "small"},
	{ID: "vosk-model-small-ko-0.22", Language: "Korean", Lang: "ko", Size: 82 * mb, About: "small"},
	{ID: "vosk-model-small-hi-0.22", Language: "Hindi", Lang: "hi", Size: 42 * mb, About: "small"},
}

// DefaultCatalogBase is where the published archives are.
const DefaultCatalogBase = "https://alphacephei.com/vosk/models/"

// known finds a model of the list by its name.
func known(id string) (KnownModel, bool) {
	for _, k := range Known {
		if k.ID == id {
			return k, true
		}
	}
	return KnownModel{}, false
}
