package install

import (
	"encoding/json"
)

// mustJSON marshals a value built from maps and strings (it cannot fail).
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
