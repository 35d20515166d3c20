// The line protocol both oracles speak; tools/oracle/build.sh copies this file
// beside each oracle's main.go (package main) in its build tree.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	utiljson "k8s.io/apimachinery/pkg/util/json"
)

type request struct {
	Fn       string
	Object   map[string]interface{}
	Revision int64
}

type invalid struct {
	Invalid string `json:"invalid"`
}

// parse reads one request. apimachinery's JSON decoder keeps whole numbers as int64,
// as the apiserver's does; encoding/json would make them float64, which the
// unstructured converter reads differently.
func parse(line []byte) (request, error) {
	var raw map[string]interface{}
	if err := utiljson.Unmarshal(line, &raw); err != nil {
		return request{}, fmt.Errorf("request is not a JSON object: %w", err)
	}
	fn, ok := raw["fn"].(string)
	if !ok {
		return request{}, errors.New(`request has no "fn" string`)
	}
	object, ok := raw["object"].(map[string]interface{})
	if !ok {
		return request{}, errors.New(`request has no "object" mapping`)
	}
	req := request{Fn: fn, Object: object}
	if revision, present := raw["revision"]; present {
		if req.Revision, ok = revision.(int64); !ok {
			return request{}, fmt.Errorf(`"revision" is not an integer: %v`, revision)
		}
	}
	return req, nil
}

// serve answers each stdin line with one stdout line, flushed at once: the caller
// waits for each answer before it sends the next object.
func serve(name string, judge func(request) interface{}) {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var ans interface{}
		if req, err := parse(in.Bytes()); err != nil {
			ans = invalid{Invalid: err.Error()}
		} else {
			ans = judge(req)
		}
		if err := enc.Encode(ans); err != nil {
			fmt.Fprintln(os.Stderr, name+":", err)
			os.Exit(1)
		}
		if err := out.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, name+":", err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}
