package qqlogin

import (
	"encoding/json"
	"html/template"
	"net/http"
)

// The shop's own landing page for QQ's redirect, for a shop without a
// frontend page of its own (the embedded demo): it shows the mutation
// that finishes the login, ready to paste into the playground. A frontend
// sets -qq-redirect-url to its page, which calls qqLogin itself.
var callbackPage = template.Must(template.New("callback").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>QQ 登录 / QQ login</title>
<style>body{font:16px/1.6 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#222}
pre{background:#f4f4f4;padding:1rem;overflow:auto;white-space:pre-wrap;word-break:break-all}</style></head>
<body><h1>QQ 登录 / Back from QQ</h1>
{{if .Code}}<p>QQ sent the browser back. A frontend would now call <code>qqLogin</code>; in the
<a href="/">playground</a>, run:</p>
<pre>mutation {
  qqLogin(input: {code: {{.CodeJSON}}, state: {{.StateJSON}}}) {
    auth { accessToken user { username } }
    bindToken nickname state
  }
}</pre>
<p>The code works once and for a few minutes; the state once and for 10 minutes.</p>
{{else}}<p>QQ sent no code: the login was canceled or refused ({{.Error}}).</p>{{end}}
</body></html>
`))

// CallbackPage is the built-in page QQ redirects to.
func CallbackPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code, state := q.Get("code"), q.Get("state")
		codeJSON, _ := json.Marshal(code)
		stateJSON, _ := json.Marshal(state)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		_ = callbackPage.Execute(w, map[string]any{
			"Code": code, "CodeJSON": string(codeJSON), "StateJSON": string(stateJSON),
			"Error": q.Get("msg") + q.Get("error_description"),
		})
	})
}
