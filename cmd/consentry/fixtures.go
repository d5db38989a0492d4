package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/consentry/consentry/features"
	"github.com/consentry/consentry/steps"
	"github.com/consentry/consentry/steps/mgmtclient"
	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

// fixtures lists every fixture the selected scenarios need, with the
// properties each must have, and, for a target without a Management API,
// which of them its profile registers (the scenario is bound to the first
// entry with those properties) and which it lacks. No scenario runs and the
// target is not contacted.
//
//	consentry fixtures [--target embedded|FILE] [--tags EXPR]
func fixtures(args []string, stdout, stderr io.Writer) int {
	const synopsis = "consentry fixtures [--target embedded|FILE] [--tags EXPR]"
	fs := newFlags("consentry fixtures")
	targetFlag := fs.String("target", "embedded", "target: embedded, or a target profile YAML file")
	tags := fs.String("tags", "", `tag expression selecting the scenarios, e.g. "@rule:C1,@rule:C4"`)
	if code, stop := parseFlags(fs, synopsis, args, stdout, stderr); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "consentry fixtures: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if err := runner.ValidateTags(*tags); err != nil {
		fmt.Fprintf(stderr, "consentry fixtures: %v\n", err)
		return 2
	}
	profile, unset, err := loadForListing(*targetFlag)
	if err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		return 2
	}
	if target.IsOkta(profile) {
		fmt.Fprintf(stdout, "# %s: the Okta scenarios create every fixture they need (apps, a user, assignments,\n"+
			"# scopes) through the org's admin API with the profile's SSWS token and delete it after:\n"+
			"# nothing to register by hand. The org needs an access policy on its authorization server.\n", profile.Name)
		return 0
	}
	// Only an embedded mock, or a profile with a management client, gets
	// its fixtures created; everything else binds them from the profile.
	preRegistered := !profile.Caps()[target.CapManagement] && profile.Kind != target.KindEmbedded
	needs, err := steps.Needs(context.Background(), features.FS(), *tags, preRegistered)
	if err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		return 2
	}
	writeFixtures(stdout, profile, needs, preRegistered)
	if len(unset) > 0 {
		fmt.Fprintf(stdout, "\n(environment variables not set, shown as ${NAME} above; set them before consentry run: %s)\n", strings.Join(unset, ", "))
	}
	return 0
}

// loadForListing reads a target profile for consentry fixtures, which
// contacts no target and needs no secret: a ${VAR} that is not set stays
// ${VAR} (a vendor lists what to register before having the credentials),
// and unset names them. Only a profile that is not usable even so is an
// error.
func loadForListing(nameOrFile string) (p *target.Profile, unset []string, err error) {
	p, err = target.Load(nameOrFile)
	if err == nil || nameOrFile == "" || nameOrFile == target.KindEmbedded {
		return p, nil, err
	}
	data, rerr := os.ReadFile(nameOrFile)
	if rerr != nil {
		return nil, nil, err
	}
	p, perr := target.Parse(data, func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		if !slices.Contains(unset, name) {
			unset = append(unset, name)
		}
		return "${" + name + "}", true
	})
	if perr != nil || len(unset) == 0 {
		return nil, nil, err
	}
	slices.Sort(unset)
	return p, unset, nil
}

// fixtureUse is one distinct fixture and the scenarios that need it.
type fixtureUse struct {
	what      string // API "Posts" / client
	props     []string
	words     []string // the scenarios' descriptions of it
	scenarios []string
	bound     string // where the profile has it; "" missing
	why       string // why nothing in the profile fits
	entry     string // a profile entry that would bind it
	api       *steps.APISpec
}

func writeFixtures(w io.Writer, p *target.Profile, needs []steps.ScenarioNeeds, preRegistered bool) {
	fmt.Fprintf(w, "%d scenarios selected; target %s (%s)", len(needs), p.Name, p.Kind)
	if preRegistered {
		fmt.Fprintf(w, ", no Management API: each fixture below must be registered in the profile with these properties\n")
	} else {
		fmt.Fprintf(w, ", Management API: the harness creates each fixture below and deletes it afterwards\n")
	}
	var apis, apps []*fixtureUse
	find := func(list *[]*fixtureUse, what string, props []string) *fixtureUse {
		for _, u := range *list {
			if u.what == what && slices.Equal(u.props, props) {
				return u
			}
		}
		u := &fixtureUse{what: what, props: props}
		*list = append(*list, u)
		return u
	}
	users, complete := 0, 0
	var mgmtOnly, problems []string
	for _, n := range needs {
		where := n.URI + ": " + n.Scenario
		for _, a := range n.APIs {
			u := find(&apis, fmt.Sprintf("API %q", a.Name), a.Properties())
			u.entry, u.api = a.ProfileEntry(), &a
			u.scenarios = appendNew(u.scenarios, where)
			if preRegistered {
				u.bound, u.why = "", ""
				if pre, why := a.BindIn(p); pre != nil {
					u.bound = pre.Identifier
				} else {
					u.why = why
				}
			}
		}
		for _, a := range n.Apps {
			u := find(&apps, "client", a.Properties())
			u.entry = a.ProfileEntry()
			u.scenarios = appendNew(u.scenarios, where)
			u.words = appendNew(u.words, a.Description)
			if preRegistered {
				u.bound, u.why = "", ""
				if pre, why := a.BindIn(p); pre != nil {
					u.bound = "client_id " + pre.ClientID
				} else {
					u.why = why
				}
			}
		}
		if n.User {
			users++
		}
		if len(n.Management) > 0 {
			mgmtOnly = append(mgmtOnly, fmt.Sprintf("%s (%s)", where, n.Management[0]))
		}
		for _, pr := range n.Problems {
			problems = append(problems, where+": "+pr)
		}
		if !preRegistered || (len(n.Missing(p)) == 0 && len(n.Management) == 0) {
			complete++
		}
	}
	section := func(title string, list []*fixtureUse) {
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s (%d)\n", title, len(list))
		for _, u := range list {
			status := ""
			if preRegistered {
				status = "  MISSING (" + u.why + ")"
				if u.bound != "" {
					status = "  registered: " + u.bound
				}
			}
			fmt.Fprintf(w, "  %s%s\n", u.what, status)
			for _, prop := range u.props {
				fmt.Fprintf(w, "      %s\n", prop)
			}
			if len(u.words) > 0 {
				fmt.Fprintf(w, "      as: %s\n", strings.Join(u.words, "; "))
			}
			fmt.Fprintf(w, "      needed by %d scenario(s): %s\n", len(u.scenarios), shortList(u.scenarios, 3))
		}
	}
	section("APIs", apis)
	section("Clients", apps)
	if users > 0 {
		status := ""
		if preRegistered {
			status = "  MISSING (user: in the profile)"
			switch {
			case p.User != nil:
				status = "  registered: " + p.User.Username
			case len(p.Users) > 0:
				status = "  registered: " + p.Users[0].Username + " (the first of users:)"
			}
		}
		fmt.Fprintf(w, "\nA test user%s\n      needed by %d scenario(s)\n", status, users)
	}
	var plan steps.UserPlan
	if preRegistered {
		plan = steps.PlanUsers(p, needs)
		writeUserPlan(w, p, plan)
	}
	if len(mgmtOnly) > 0 && preRegistered {
		fmt.Fprintf(w, "\nOnly a Management API can do what %d scenario(s) need; they are not applicable here: %s\n", len(mgmtOnly), shortList(mgmtOnly, 5))
	}
	for _, pr := range problems {
		fmt.Fprintf(w, "\nunreadable step: %s\n", pr)
	}
	if preRegistered {
		fmt.Fprintf(w, "\n%d of %d scenarios have every fixture they need\n", complete-len(plan.Short), len(needs))
		skeleton(w, "apis", mergeAPIs(apis))
		skeleton(w, "clients", apps)
		if more := plan.Enough - len(p.Users); more > 0 {
			fmt.Fprintf(w, "\n# Users who have not consented to anything yet (create them, then fill in their names and passwords):\nusers:\n")
			for _, u := range p.Users {
				fmt.Fprintf(w, "  - {username: %s, password: ...}  # already listed\n", u.Username)
			}
			for i := range more {
				fmt.Fprintf(w, "  - {username: consentry-%d@CHANGE-ME, password: ${CHANGE_ME}}\n", len(p.Users)+i+1)
			}
		}
	}
}

// writeUserPlan says how many users that have not consented yet the
// scenarios that expect a consent page need, and which the profile's
// users leave without one.
func writeUserPlan(w io.Writer, p *target.Profile, plan steps.UserPlan) {
	switch {
	case plan.SessionGrants:
		fmt.Fprintf(w, "\nUsers who have not consented yet: not needed (grant_scope: session: each scenario's own browser starts without grants)\n")
		return
	case plan.Needing == 0:
		return
	}
	status := "  MISSING (users: in the profile)"
	if len(p.Users) > 0 {
		status = fmt.Sprintf("  registered: %d (users:)", len(p.Users))
		if more := plan.Enough - len(p.Users); more > 0 {
			status += fmt.Sprintf(", MISSING %d more", more)
		}
	}
	fmt.Fprintf(w, "\nUsers who have not consented yet%s\n", status)
	fmt.Fprintf(w, "      needed by %d scenario(s) that expect to be asked for consent: without a Management API the harness cannot revoke grants,\n", plan.Needing)
	fmt.Fprintf(w, "      so each gets one of users: that no scenario that may grant uses with the same client and API; %d user(s) serve them all\n", plan.Enough)
	if p.GrantRevocation != nil {
		fmt.Fprintf(w, "      (grant_revocation revokes their grants before each run)\n")
	} else {
		fmt.Fprintf(w, "      (grants stay on the IdP: give grant_revocation, re-create the users or reset the IdP before the next run, or set grant_scope: session if consent ends with the login session)\n")
	}
	if len(plan.Short) > 0 {
		fmt.Fprintf(w, "      without one, not applicable: %d scenario(s): %s\n", len(plan.Short), shortList(plan.Short, 3))
	}
}

// mergeAPIs makes one entry of the missing APIs a profile could register
// once: one name and skipping setting, every scope any scenario uses
// (two entries with the same name and setting would be ambiguous).
func mergeAPIs(list []*fixtureUse) []*fixtureUse {
	var out []*fixtureUse
	merged := map[string]*steps.APISpec{}
	for _, u := range list {
		if u.bound != "" || u.api == nil {
			continue
		}
		key := fmt.Sprintf("%s\x00%v", u.api.Name, u.api.SkipsConsent)
		m, ok := merged[key]
		if !ok {
			c := *u.api
			c.Scopes = slices.Clone(c.Scopes)
			merged[key] = &c
			out = append(out, &fixtureUse{api: &c})
			continue
		}
		m.OfflineAccess = m.OfflineAccess || u.api.OfflineAccess
		m.Described = m.Described || u.api.Described
		for _, sc := range u.api.Scopes {
			if !slices.ContainsFunc(m.Scopes, func(x mgmtclient.Scope) bool { return x.Value == sc.Value }) {
				m.Scopes = append(m.Scopes, sc)
			}
		}
	}
	for _, u := range out {
		u.entry = u.api.ProfileEntry()
	}
	return out
}

// skeleton prints profile entries that would bind the missing fixtures.
func skeleton(w io.Writer, key string, list []*fixtureUse) {
	first := true
	for _, u := range list {
		if u.bound != "" {
			continue
		}
		if first {
			fmt.Fprintf(w, "\n# Entries for the missing %s (register them, then fill in what the IdP assigned):\n%s:\n", key, key)
			first = false
		}
		for _, line := range strings.Split(strings.TrimSuffix(u.entry, "\n"), "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func shortList(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(list[:n], "; "), len(list)-n)
}
