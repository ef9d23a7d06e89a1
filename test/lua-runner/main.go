// Command gopher-lua-runner runs one Argo CD Lua customization of the sv-kms repository (the health check in
// deploy/argocd/health.lua, the action discovery or an action in deploy/argocd/actions/) under gopher-lua, the Lua
// engine Argo CD embeds, set up as Argo CD sets it up, and prints what the script returns as JSON. The tests
// (test/integration/argocd-lua.test.ts) run it on SvKmsMigration objects captured from a real migration.
//
// Usage: gopher-lua-runner [-action] SCRIPT.lua < object.json
//
// What is mirrored from Argo CD's util/lua (read, not copied): a state without the standard libraries, then only
// package, base and table opened (Argo CD adds a restricted os library, which these scripts do not use); the object
// as the global `obj` (JSON objects as tables, arrays as sequences, numbers as Lua numbers, null as nil); a one-second
// limit; the returned table encoded by layeh.com/gopher-json, the encoder Argo CD uses (an empty table becomes []).
// With -action the result is treated as Argo CD treats an action's returned object: where the input held an object
// and the result holds an empty array (Lua cannot tell an empty table's kind), the input's object is kept.
//
// Exit codes: 0 the script ran, 1 the script failed or returned no table, 2 usage or input error.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
	luajson "layeh.com/gopher-json"
)

func main() {
	action := flag.Bool("action", false, "the script is a resource action: keep objects the script turned into empty arrays")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: gopher-lua-runner [-action] SCRIPT.lua < object.json")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	script, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fail(2, "cannot read the script: %v", err)
	}
	var obj map[string]interface{}
	if err := json.NewDecoder(os.Stdin).Decode(&obj); err != nil {
		fail(2, "stdin is not a JSON object: %v", err)
	}
	out, err := run(string(script), obj, *action)
	if err != nil {
		fail(1, "%v", err)
	}
	os.Stdout.Write(append(out, '\n'))
}

func fail(code int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gopher-lua-runner: "+format+"\n", args...)
	os.Exit(code)
}

// run executes script with obj as the global `obj` and returns the JSON of the table it returns.
func run(script string, obj map[string]interface{}, action bool) ([]byte, error) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for name, open := range map[string]lua.LGFunction{lua.LoadLibName: lua.OpenPackage, lua.BaseLibName: lua.OpenBase, lua.TabLibName: lua.OpenTable} {
		if err := L.CallByParam(lua.P{Fn: L.NewFunction(open), NRet: 0, Protect: true}, lua.LString(name)); err != nil {
			return nil, fmt.Errorf("opening the %s library: %w", name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	L.SetContext(ctx)
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(script); err != nil {
		return nil, err
	}
	result := L.Get(-1)
	if result.Type() != lua.LTTable {
		return nil, fmt.Errorf("the script returned a %s, not a table", result.Type())
	}
	encoded, err := luajson.Encode(result)
	if err != nil {
		return nil, err
	}
	if !action {
		return encoded, nil
	}
	var returned interface{}
	if err := json.Unmarshal(encoded, &returned); err != nil {
		return nil, err
	}
	if m, ok := returned.(map[string]interface{}); ok {
		returned = keepObjects(m, obj)
	}
	return json.Marshal(returned)
}

// toLua turns a decoded JSON value into the Lua value a script sees.
func toLua(L *lua.LState, v interface{}) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []interface{}:
		t := L.CreateTable(len(x), 0)
		for _, item := range x {
			t.Append(toLua(L, item))
		}
		return t
	case map[string]interface{}:
		t := L.CreateTable(0, len(x))
		for k, item := range x {
			t.RawSetString(k, toLua(L, item))
		}
		return t
	}
	return lua.LNil
}

// keepObjects puts back, at every key where before held an object and after holds an empty array, before's object;
// it descends into objects and arrays present on both sides.
func keepObjects(after, before map[string]interface{}) map[string]interface{} {
	for k, a := range after {
		b, ok := before[k]
		if !ok {
			continue
		}
		switch av := a.(type) {
		case map[string]interface{}:
			if bv, ok := b.(map[string]interface{}); ok {
				after[k] = keepObjects(av, bv)
			}
		case []interface{}:
			if bv, ok := b.(map[string]interface{}); ok && len(av) == 0 {
				after[k] = bv
			} else if bl, ok := b.([]interface{}); ok {
				after[k] = keepObjectsInList(av, bl)
			}
		}
	}
	return after
}

func keepObjectsInList(after, before []interface{}) []interface{} {
	for i := range after {
		if i >= len(before) {
			break
		}
		switch av := after[i].(type) {
		case map[string]interface{}:
			if bv, ok := before[i].(map[string]interface{}); ok {
				after[i] = keepObjects(av, bv)
			}
		case []interface{}:
			if bl, ok := before[i].([]interface{}); ok {
				after[i] = keepObjectsInList(av, bl)
			}
		}
	}
	return after
}
