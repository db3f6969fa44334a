package oauth

import (
	"encoding/json"
	"testing"
)

func TestClaimBool(t *testing.T) {
	for _, tt := range []struct {
		name, json string
		want       bool
	}{
		{"bool true", `{"v":true}`, true},
		{"string true", `{"v":"true"}`, true},
		{"bool false", `{"v":false}`, false},
		{"string false", `{"v":"false"}`, false},
		{"absent", `{}`, false},
		{"null", `{"v":null}`, false},
		{"other string", `{"v":"yes"}`, false},
		{"number", `{"v":1}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				V claimBool `json:"v"`
			}
			if err := json.Unmarshal([]byte(tt.json), &v); err != nil {
				t.Fatal(err)
			}
			if bool(v.V) != tt.want {
				t.Errorf("got %v, want %v", v.V, tt.want)
			}
		})
	}
}

// providerError keeps the status and error code only: descriptions may
// echo what we sent (a code), so they never reach errors or logs.
func TestProviderError(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"RFC 6749", 400, `{"error":"invalid_grant","error_description":"Invalid code: c123"}`, `provider answered HTTP 400, error "invalid_grant"`},
		{"Graph API", 400, `{"error":{"message":"Invalid token EAA123","type":"OAuthException","code":190,"error_subcode":460}}`, `provider answered HTTP 400, error "OAuthException" code 190 subcode 460`},
		{"odd code", 401, `{"error":"secret c123 leaked here"}`, `provider answered HTTP 401, error "?"`},
		{"not JSON", 502, `<html>Bad gateway</html>`, `provider answered HTTP 502, no error code`},
		{"empty", 500, ``, `provider answered HTTP 500, no error code`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := providerError(tt.status, []byte(tt.body)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
