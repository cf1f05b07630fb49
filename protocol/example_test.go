package protocol_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/protocol"
)

// A session: make a FrozenLake env, reset it and step it through the
// compact env/stepMany, as a Python trainer would over dojo serve's stdin
// and stdout.
func Example() {
	requests := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1","options":{"is_slippery":false},"autoreset":true}}`,
		`{"jsonrpc":"2.0","id":2,"method":"env/reset","params":{"env":"e1","seed":0}}`,
		`{"jsonrpc":"2.0","id":3,"method":"env/stepMany","params":{"envs":["e1","e1"],"actions":[1,"right"],"compact":true}}`,
		`{"jsonrpc":"2.0","id":4,"method":"env/step","params":{"env":"e9","action":0}}`,
	}, "\n")
	var out bytes.Buffer
	srv := &protocol.Server{Registry: envs.Default()}
	if err := srv.Serve(context.Background(), strings.NewReader(requests), &out); err != nil {
		fmt.Println(err)
		return
	}
	// Responses come as requests finish; sort them by id to print them.
	var lines []string
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][:26] < lines[j][:26] })
	for _, l := range lines[1:] { // the first holds the whole spec
		fmt.Println(l)
	}
	// Output:
	// {"jsonrpc":"2.0","id":2,"result":{"observation":{"value":0},"info":{"success":false,"parts":[{"name":"success","value":0,"weight":0},{"name":"gym","value":0,"weight":1},{"name":"potential","value":0,"weight":0},{"name":"step_cost","value":0,"weight":0},{"name":"invalid","value":0,"weight":0}],"metrics":{"prob":1,"distance":6}}}}
	// {"jsonrpc":"2.0","id":3,"result":{"observations":[{"value":4},{"value":5}],"rewards":[0,0],"terminated":[false,true],"truncated":[false,false],"errors":[null,null]}}
	// {"jsonrpc":"2.0","id":4,"error":{"code":-32001,"message":"unknown env handle \"e9\": env/make returns handles, and env/close or a failed env/make ends them","data":{"kind":"not_found","field":"env"}}}
}

func ExampleSplitCommand() {
	argv, _ := protocol.SplitCommand(`python3 agent.py --model "my model" --tag 'a b'`)
	fmt.Printf("%q\n", argv)
	// Output:
	// ["python3" "agent.py" "--model" "my model" "--tag" "a b"]
}

func ExampleRPCCode() {
	fmt.Println(protocol.RPCCode("not_found"), protocol.KindOf(-32002))
	// Output:
	// -32001 state
}
