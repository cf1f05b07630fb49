package dojo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// MarshalJSON writes the outcome as Gymnasium's tuple
// [prob, next_state, reward, terminated].
func (o Outcome) MarshalJSON() ([]byte, error) {
	b := []byte{'['}
	b = strconv.AppendFloat(b, o.Prob, 'g', -1, 64)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(o.Next), 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, o.Reward, 'g', -1, 64)
	b = append(b, ',')
	b = strconv.AppendBool(b, o.Terminated)
	return append(b, ']'), nil
}

// UnmarshalJSON reads [prob, next_state, reward, terminated].
func (o *Outcome) UnmarshalJSON(b []byte) error {
	var t [4]json.RawMessage
	if err := json.Unmarshal(b, &t); err != nil {
		return fmt.Errorf("outcome: want [prob, next_state, reward, terminated]: %v", err)
	}
	if err := json.Unmarshal(t[0], &o.Prob); err != nil {
		return fmt.Errorf("outcome prob: %v", err)
	}
	if err := json.Unmarshal(t[1], &o.Next); err != nil {
		return fmt.Errorf("outcome next_state: %v", err)
	}
	if err := json.Unmarshal(t[2], &o.Reward); err != nil {
		return fmt.Errorf("outcome reward: %v", err)
	}
	if err := json.Unmarshal(t[3], &o.Terminated); err != nil {
		return fmt.Errorf("outcome terminated: %v", err)
	}
	return nil
}

// MarshalJSON writes the MDP in Gymnasium's layout:
// {"nS", "nA", "P": {"<s>": {"<a>": [[prob, next, reward, terminated]]}},
// "initial_state_distrib": [...]}, with states and actions in numeric order.
func (m *MDP) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"nS":%d,"nA":%d,"P":{`, m.NS, m.NA)
	for s, acts := range m.P {
		if s > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%d":{`, s)
		for a, outs := range acts {
			if a > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%d":`, a)
			o, err := json.Marshal(outs)
			if err != nil {
				return nil, err
			}
			b.Write(o)
		}
		b.WriteByte('}')
	}
	b.WriteString(`},"initial_state_distrib":`)
	d, err := json.Marshal(m.InitialStateDistrib)
	if err != nil {
		return nil, err
	}
	b.Write(d)
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Check verifies that every P[s][a] is a probability distribution over
// states in range, and so is the initial distribution.
func (m *MDP) Check() error {
	if len(m.P) != m.NS {
		return fmt.Errorf("mdp: %d state rows for nS=%d", len(m.P), m.NS)
	}
	for s, acts := range m.P {
		if len(acts) != m.NA {
			return fmt.Errorf("mdp: state %d has %d actions, want %d", s, len(acts), m.NA)
		}
		for a, outs := range acts {
			var sum float64
			for _, o := range outs {
				if o.Next < 0 || o.Next >= m.NS || o.Prob < 0 {
					return fmt.Errorf("mdp: P[%d][%d] has outcome %+v out of range", s, a, o)
				}
				sum += o.Prob
			}
			if sum < 1-1e-9 || sum > 1+1e-9 {
				return fmt.Errorf("mdp: P[%d][%d] sums to %v", s, a, sum)
			}
		}
	}
	var sum float64
	for _, p := range m.InitialStateDistrib {
		sum += p
	}
	if len(m.InitialStateDistrib) != m.NS || sum < 1-1e-9 || sum > 1+1e-9 {
		return fmt.Errorf("mdp: initial_state_distrib has %d entries summing to %v", len(m.InitialStateDistrib), sum)
	}
	return nil
}

// ValueIteration returns the optimal state values and a greedy policy for
// discount gamma, iterating until the largest change is below tol. Terminal
// outcomes contribute their reward only.
func (m *MDP) ValueIteration(gamma, tol float64) (v []float64, policy []int) {
	v = make([]float64, m.NS)
	policy = make([]int, m.NS)
	for iter := 0; iter < 100000; iter++ {
		delta := 0.0
		for s := range m.NS {
			best := 0.0
			for a := range m.NA {
				q := m.Q(v, gamma, s, a)
				if a == 0 || q > best+1e-12 {
					best, policy[s] = q, a
				}
			}
			if d := abs(best - v[s]); d > delta {
				delta = d
			}
			v[s] = best
		}
		if delta < tol {
			break
		}
	}
	return v, policy
}

// Q returns the action value of a in s under state values v.
func (m *MDP) Q(v []float64, gamma float64, s, a int) float64 {
	var q float64
	for _, o := range m.P[s][a] {
		q += o.Prob * o.Reward
		if !o.Terminated {
			q += o.Prob * gamma * v[o.Next]
		}
	}
	return q
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
