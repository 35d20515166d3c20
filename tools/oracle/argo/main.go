// Command argo-oracle answers what Argo CD's health checks (gitops-engine pkg/health)
// and hook detection (pkg/sync/hook) say about API objects, one JSON line in, one
// JSON line out, so the board's Python ports can be compared with the upstream code
// itself (tests/differential). Built by tools/oracle/build.sh inside a copy of the
// Argo CD module the project runs, so gitops-engine and k8s.io/* resolve exactly as
// in that build; never committed as a binary.
//
// Request:  {"fn": "health", "object": {...}}  or  {"fn": "is_hook", "object": {...}}
// Answer:   {"status": "Progressing", "message": "...", "failure": ""}
//
//	{"hook": true}
//	{"invalid": "why the request could not be judged"}
//
// "status" is "" when gitops-engine has no health check for the kind; "failure" is
// the error GetResourceHealth returned beside an Unknown status.
package main

import (
	"fmt"

	"github.com/argoproj/gitops-engine/pkg/health"
	"github.com/argoproj/gitops-engine/pkg/sync/hook"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

type answer struct {
	Status  *string `json:"status,omitempty"`
	Message *string `json:"message,omitempty"`
	Failure *string `json:"failure,omitempty"`
	Hook    *bool   `json:"hook,omitempty"`
}

func judge(req request) interface{} {
	obj := &unstructured.Unstructured{Object: req.Object}
	switch req.Fn {
	case "health":
		// No override: the built-in checks, as Argo CD runs them without resource customizations.
		status, err := health.GetResourceHealth(obj, nil)
		code, message, failure := "", "", ""
		if status != nil {
			code, message = string(status.Status), status.Message
		}
		if err != nil {
			failure = err.Error()
		}
		return answer{Status: &code, Message: &message, Failure: &failure}
	case "is_hook":
		isHook := hook.IsHook(obj)
		return answer{Hook: &isHook}
	}
	return invalid{Invalid: fmt.Sprintf("unknown fn %q (health, is_hook)", req.Fn)}
}

func main() {
	serve("argo-oracle", judge)
}
