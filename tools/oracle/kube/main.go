// Command kube-oracle answers what kubectl's status viewers and the apiserver's pod
// table say about API objects, one JSON line in, one JSON line out, so the board's
// Python ports can be compared with the upstream code itself (tests/differential).
// Built by tools/oracle/build.sh inside the control plane's wrapper module, at the
// cluster's Kubernetes release; never committed as a binary.
//
// Request:  {"fn": "rollout_status", "object": {...}, "revision": 0}
//
//	{"fn": "pod_row", "object": {...}}
//
// Answer:   {"message": "...", "done": false, "error": false}
//
//	{"cells": ["name", "1/2", "Running", "0", "5m", ...]}
//	{"invalid": "why the request could not be judged"}
package main

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/kubectl/pkg/polymorphichelpers"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	api "k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	"k8s.io/kubernetes/pkg/printers"
	printersinternal "k8s.io/kubernetes/pkg/printers/internalversion"
	printerstorage "k8s.io/kubernetes/pkg/printers/storage"
)

type answer struct {
	Message *string       `json:"message,omitempty"`
	Done    *bool         `json:"done,omitempty"`
	Error   *bool         `json:"error,omitempty"`
	Cells   []interface{} `json:"cells,omitempty"`
}

// The pod registry's own convertor: what `kubectl get pods` receives from the server.
var podTable = printerstorage.TableConvertor{
	TableGenerator: printers.NewTableGenerator().With(printersinternal.AddHandlers),
}

func rolloutStatus(req request) interface{} {
	obj := &unstructured.Unstructured{Object: req.Object}
	viewer, err := polymorphichelpers.StatusViewerFor(obj.GroupVersionKind().GroupKind())
	if err != nil {
		return invalid{Invalid: err.Error()}
	}
	message, done, err := viewer.Status(obj, req.Revision)
	failed := err != nil
	if failed {
		message = err.Error()
	}
	return answer{Message: &message, Done: &done, Error: &failed}
}

func podRow(req request) interface{} {
	raw, err := json.Marshal(req.Object)
	if err != nil {
		return invalid{Invalid: err.Error()}
	}
	var external corev1.Pod
	if err := json.Unmarshal(raw, &external); err != nil {
		return invalid{Invalid: err.Error()}
	}
	var internal api.Pod
	if err := legacyscheme.Scheme.Convert(&external, &internal, nil); err != nil {
		return invalid{Invalid: err.Error()}
	}
	table, err := podTable.ConvertToTable(context.Background(), &internal, nil)
	if err != nil {
		return invalid{Invalid: err.Error()}
	}
	if len(table.Rows) != 1 {
		return invalid{Invalid: fmt.Sprintf("%d rows for one pod", len(table.Rows))}
	}
	return answer{Cells: table.Rows[0].Cells}
}

func judge(req request) interface{} {
	switch req.Fn {
	case "rollout_status":
		return rolloutStatus(req)
	case "pod_row":
		return podRow(req)
	}
	return invalid{Invalid: fmt.Sprintf("unknown fn %q (rollout_status, pod_row)", req.Fn)}
}

func main() {
	serve("kube-oracle", judge)
}
