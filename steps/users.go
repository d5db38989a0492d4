package steps

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/target"
)

// On a target without a Management API the harness cannot revoke grants,
// so a grant that one scenario (or an earlier run) left for the test user
// would decide the verdict of the next scenario that expects the user to be
// asked for consent. Such scenarios (ScenarioNeeds.Unconsented) are each
// given one of the profile's users (users:, which start the run without
// grants) whose grants for the scenario's clients no other scenario of the
// run can change: a scenario that may leave a grant (ScenarioNeeds.Grants)
// has its user and clients to itself, the others share them with each
// other but never with one that grants. Grants are per user and client, so
// one user serves several scenarios of different clients, and as
// scenarios run concurrently nothing rests on their order. When no user is
// left the scenario is not applicable and says so; it never fails for a
// grant it did not make.

// userPool hands out the profile's users. Plan fills it before the run in
// file order, so which scenarios get a user does not depend on which ran
// first; without a plan, users are handed out as scenarios begin.
type userPool struct {
	mu      sync.Mutex
	users   []target.User
	used    []map[string]clientUse // per user, by client_id and API
	planned map[string][]userPick
}

// clientUse is how the run uses one user with one client: by the
// scenarios that grant nothing (any number), or by one that may grant.
type clientUse struct {
	granted string   // the scenario that may grant
	sharers []string // the scenarios that do not
}

// userPick is a scenario's user, or why it has none.
type userPick struct {
	user *target.User
	why  string
}

func newUserPool(p *target.Profile) *userPool {
	pool := &userPool{users: p.Users, used: make([]map[string]clientUse, len(p.Users))}
	for i := range pool.used {
		pool.used[i] = map[string]clientUse{}
	}
	return pool
}

// scenarioKey names a scenario (an outline's row by its own steps) the
// same way when it is read and when it runs.
func scenarioKey(scn *godog.Scenario) string {
	var b strings.Builder
	b.WriteString(scn.Uri + "\x00" + scn.Name)
	for _, st := range scn.Steps {
		b.WriteString("\x00" + st.Text)
	}
	return b.String()
}

// Plan hands out the profile's users to the scenarios of features (the
// run's, already selected) in file order, before any runs. Only a target
// without a Management API needs it.
func (s *Suite) Plan(ctx context.Context, features fs.FS) error {
	if s.Target.Mgmt != nil || s.Target.Profile.GrantScope == target.GrantScopeSession {
		return nil
	}
	if s.Target.Profile.GrantRevocation != nil {
		// An earlier run's grants go first: the users start clean.
		for _, u := range s.Target.Profile.Users {
			if err := s.Target.RevokeGrants(ctx, u); err != nil {
				return fmt.Errorf("target %q: %w", s.Target.Profile.Name, err)
			}
		}
	}
	needs, err := Needs(ctx, features, "", true)
	if err != nil {
		return err
	}
	s.users.mu.Lock()
	defer s.users.mu.Unlock()
	s.users.planned = map[string][]userPick{}
	for _, n := range needs {
		if n.User && n.Unconsented {
			s.users.planned[n.key] = append(s.users.planned[n.key], s.users.take(n, s.Target.Profile))
		}
	}
	return nil
}

// pick is the scenario's planned user, or one handed out now.
func (p *userPool) pick(n ScenarioNeeds, prof *target.Profile) userPick {
	p.mu.Lock()
	defer p.mu.Unlock()
	if q := p.planned[n.key]; len(q) > 0 {
		p.planned[n.key] = q[1:]
		return q[0]
	}
	return p.take(n, prof)
}

// take hands out the first user whose grants for n's clients no other
// scenario may change (nor see changed, when n grants). A scenario whose fixtures are missing gets none and needs
// none (it is not applicable for them).
//
// With anyway, a scenario whose fixtures are missing is handed a user as
// if they were registered, each missing one a client or API of its own (to
// count the users a profile needs).
func (p *userPool) take(n ScenarioNeeds, prof *target.Profile, anyway ...bool) userPick {
	hypothetical := len(anyway) > 0 && anyway[0]
	if len(n.Management) > 0 || (!hypothetical && len(n.Missing(prof)) > 0) {
		return userPick{}
	}
	// Grants are per user, client and API (as Auth0's and Okta's are):
	// the scenario's are each of its clients with each of its APIs.
	apis := []string{""}
	if len(n.APIs) > 0 {
		apis = nil
		for _, a := range n.APIs {
			if pre, _ := bindAPI(prof, a); pre != nil {
				apis = appendNew(apis, pre.Identifier)
			} else {
				apis = appendNew(apis, "(unregistered) "+a.String())
			}
		}
	}
	var clients []string
	var used []string
	for _, a := range n.Apps {
		id := "(unregistered) " + a.String()
		if c, _ := bindClient(prof, a, used); c != nil {
			id = c.ClientID
		}
		used = append(used, id)
		for _, api := range apis {
			key := id
			if api != "" {
				key += " for " + api
			}
			clients = appendNew(clients, key)
		}
	}
	label := n.URI + ": " + n.Scenario
	// The scenarios that grant nothing share the last users, so that the
	// first are left whole for those that grant.
	order := make([]int, len(p.users))
	for i := range order {
		order[i] = i
		if !n.Grants {
			order[i] = len(p.users) - 1 - i
		}
	}
	for _, i := range order {
		free := true
		for _, c := range clients {
			u := p.used[i][c]
			if u.granted != "" || (n.Grants && len(u.sharers) > 0) {
				free = false
				break
			}
		}
		if free {
			for _, c := range clients {
				u := p.used[i][c]
				if n.Grants {
					u.granted = label
				} else {
					u.sharers = append(u.sharers, label)
				}
				p.used[i][c] = u
			}
			return userPick{user: &p.users[i]}
		}
	}
	if len(p.users) == 0 {
		return userPick{why: "the profile lists no users (users:) that start the run without grants, and without a Management API the harness cannot revoke the grants earlier scenarios or runs left"}
	}
	var taken []string
	for i := range p.users {
		for _, c := range clients {
			u := p.used[i][c]
			by := u.granted
			if by == "" && len(u.sharers) > 0 {
				by = u.sharers[0]
			}
			if by != "" {
				taken = append(taken, fmt.Sprintf("%s with %s by %q", p.users[i].Username, c, by))
				break
			}
		}
	}
	how := "may grant with"
	if n.Grants {
		how = "uses"
	}
	return userPick{why: fmt.Sprintf("another scenario of this run %s each of the profile's %d users (users:) and %s (%s); list more users that start without grants",
		how, len(p.users), strings.Join(clients, ", "), strings.Join(taken, "; "))}
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// UserPlan is how the profile's users (users:) serve the scenarios that
// expect to be asked for consent, on a target without a Management API.
type UserPlan struct {
	// Needing is how many scenarios need a user who has not consented
	// yet (their other fixtures registered or not).
	Needing int
	// Enough is how many users would serve them all, once their other
	// fixtures are registered.
	Enough int
	// Short lists the scenarios that have every other fixture and that
	// the profile's users leave without one.
	Short []string
	// SessionGrants: the profile says consent ends with the login session
	// (grant_scope: session), so every scenario starts clean and none of
	// this applies.
	SessionGrants bool
}

// PlanUsers hands out p's users to needs as a run would, for `consentry
// fixtures`.
func PlanUsers(p *target.Profile, needs []ScenarioNeeds) UserPlan {
	var plan UserPlan
	if p.GrantScope == target.GrantScopeSession {
		plan.SessionGrants = true
		return plan
	}
	var want, complete []ScenarioNeeds
	for _, n := range needs {
		if n.User && n.Unconsented && len(n.Management) == 0 {
			want = append(want, n)
			if len(n.Missing(p)) == 0 {
				complete = append(complete, n)
			}
		}
	}
	plan.Needing = len(want)
	// As many users as scenarios always suffice; the last one taken is
	// how many do.
	many := *p
	many.Users = make([]target.User, len(want))
	for i := range many.Users {
		many.Users[i] = target.User{Username: fmt.Sprintf("user%d", i)}
	}
	pool := newUserPool(&many)
	for _, n := range want {
		pool.take(n, &many, true)
	}
	// Users are handed out from both ends: count the ones used.
	used := 0
	for i := range pool.used {
		if len(pool.used[i]) > 0 {
			used++
		}
	}
	plan.Enough = used
	real := newUserPool(p)
	for _, n := range complete {
		if pick := real.take(n, p); pick.user == nil {
			plan.Short = append(plan.Short, n.URI+": "+n.Scenario)
		}
	}
	return plan
}
