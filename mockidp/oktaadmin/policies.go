package oktaadmin

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/okta"
)

// Access policies and their rules (rule O9).

type policyView struct {
	*okta.Policy
	Links map[string]any `json:"_links"`
}

func (a *API) policyURL(r *http.Request, serverID, policyID string) string {
	return fmt.Sprintf("%s/api/v1/authorizationServers/%s/policies/%s", a.base(r), serverID, policyID)
}

func (a *API) policyView(r *http.Request, p *okta.Policy) policyView {
	u := a.policyURL(r, p.ServerID, p.ID)
	links := map[string]any{"self": href(u, "GET", "PUT", "DELETE"), "rules": href(u+"/rules", "GET")}
	lifecycleLink(links, u, p.Status)
	return policyView{Policy: p, Links: links}
}

func (a *API) policyByPath(r *http.Request) (*okta.AuthServer, *okta.Policy, error) {
	s, err := a.serverByPath(r)
	if err != nil {
		return nil, nil, err
	}
	id := chi.URLParam(r, "policyID")
	p, err := a.store.GetPolicy(r.Context(), s.ID, id)
	return s, p, storeErr(err, notFound(id, "Policy"), "")
}

func (a *API) listPolicies(w http.ResponseWriter, r *http.Request) error {
	s, err := a.serverByPath(r)
	if err != nil {
		return err
	}
	list, err := a.store.ListPolicies(r.Context(), s.ID)
	if err != nil {
		return storeErr(err, notFound(s.ID, "AuthorizationServer"), "")
	}
	out := make([]policyView, len(list))
	for i, p := range list {
		out[i] = a.policyView(r, p)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// createPolicy is 201. Without a priority the policy goes last.
func (a *API) createPolicy(w http.ResponseWriter, r *http.Request) error {
	s, err := a.serverByPath(r)
	if err != nil {
		return err
	}
	var p okta.Policy
	if err := decode(r, &p); err != nil {
		return err
	}
	p.ID, p.ServerID, p.System = a.newID(okta.PrefixPolicy), s.ID, false
	if p.Priority == 0 {
		list, err := a.store.ListPolicies(r.Context(), s.ID)
		if err != nil {
			return err
		}
		p.Priority = len(list) + 1
	}
	p.Created = a.stamp()
	p.LastUpdated = p.Created
	okta.ApplyPolicyDefaults(&p)
	if err := okta.ValidatePolicy(&p); err != nil {
		return fromValidation(err)
	}
	if err := a.reorderPolicies(r, &p); err != nil {
		return err
	}
	if err := a.store.CreatePolicy(r.Context(), &p); err != nil {
		return storeErr(err, notFound(s.ID, "AuthorizationServer"), "")
	}
	writeJSON(w, http.StatusCreated, a.policyView(r, &p))
	return nil
}

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request) error {
	_, p, err := a.policyByPath(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.policyView(r, p))
	return nil
}

func (a *API) replacePolicy(w http.ResponseWriter, r *http.Request) error {
	_, old, err := a.policyByPath(r)
	if err != nil {
		return err
	}
	var p okta.Policy
	if err := decode(r, &p); err != nil {
		return err
	}
	p.ID, p.ServerID, p.System, p.Created = old.ID, old.ServerID, old.System, old.Created
	if p.Priority == 0 {
		p.Priority = old.Priority
	}
	if p.Status == "" {
		p.Status = old.Status
	}
	p.LastUpdated = a.stamp()
	okta.ApplyPolicyDefaults(&p)
	if err := okta.ValidatePolicy(&p); err != nil {
		return fromValidation(err)
	}
	if err := a.reorderPolicies(r, &p); err != nil {
		return err
	}
	if err := a.store.UpdatePolicy(r.Context(), &p); err != nil {
		return storeErr(err, notFound(p.ID, "Policy"), "")
	}
	writeJSON(w, http.StatusOK, a.policyView(r, &p))
	return nil
}

func (a *API) deletePolicy(w http.ResponseWriter, r *http.Request) error {
	s, p, err := a.policyByPath(r)
	if err != nil {
		return err
	}
	if err := a.store.DeletePolicy(r.Context(), s.ID, p.ID); err != nil {
		return storeErr(err, notFound(p.ID, "Policy"), "")
	}
	return noContent(w)
}

func (a *API) policyLifecycle(status string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, p, err := a.policyByPath(r)
		if err != nil {
			return err
		}
		p.Status, p.LastUpdated = status, a.stamp()
		if err := a.store.UpdatePolicy(r.Context(), p); err != nil {
			return storeErr(err, notFound(p.ID, "Policy"), "")
		}
		return noContent(w)
	}
}

// Rules.

type ruleView struct {
	*okta.Rule
	Links map[string]any `json:"_links"`
}

func (a *API) ruleView(r *http.Request, rule *okta.Rule) ruleView {
	u := a.policyURL(r, rule.ServerID, rule.PolicyID) + "/rules/" + rule.ID
	links := map[string]any{"self": href(u, "GET", "PUT", "DELETE")}
	lifecycleLink(links, u, rule.Status)
	return ruleView{Rule: rule, Links: links}
}

func (a *API) ruleByPath(r *http.Request) (*okta.Policy, *okta.Rule, error) {
	_, p, err := a.policyByPath(r)
	if err != nil {
		return nil, nil, err
	}
	id := chi.URLParam(r, "ruleID")
	rule, err := a.store.GetRule(r.Context(), p.ServerID, p.ID, id)
	return p, rule, storeErr(err, notFound(id, "PolicyRule"), "")
}

func (a *API) listRules(w http.ResponseWriter, r *http.Request) error {
	_, p, err := a.policyByPath(r)
	if err != nil {
		return err
	}
	list, err := a.store.ListRules(r.Context(), p.ServerID, p.ID)
	if err != nil {
		return storeErr(err, notFound(p.ID, "Policy"), "")
	}
	out := make([]ruleView, len(list))
	for i, rule := range list {
		out[i] = a.ruleView(r, rule)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// checkRuleScopes refuses scope names the server does not have ("*" is
// every scope).
func (a *API) checkRuleScopes(r *http.Request, rule *okta.Rule) error {
	for i, name := range rule.Conditions.Scopes.Include {
		if name == okta.AllScopes {
			continue
		}
		if _, err := a.store.FindScope(r.Context(), rule.ServerID, name); err != nil {
			return storeErr(err, invalid("conditions", fmt.Sprintf("conditions.scopes.include[%d]: the authorization server has no scope %q", i, name)), "")
		}
	}
	return nil
}

func (a *API) createRule(w http.ResponseWriter, r *http.Request) error {
	_, p, err := a.policyByPath(r)
	if err != nil {
		return err
	}
	var rule okta.Rule
	if err := decode(r, &rule); err != nil {
		return err
	}
	rule.ID, rule.ServerID, rule.PolicyID, rule.System = a.newID(okta.PrefixRule), p.ServerID, p.ID, false
	if rule.Priority == 0 {
		list, err := a.store.ListRules(r.Context(), p.ServerID, p.ID)
		if err != nil {
			return err
		}
		rule.Priority = len(list) + 1
	}
	rule.Created = a.stamp()
	rule.LastUpdated = rule.Created
	okta.ApplyRuleDefaults(&rule)
	if err := okta.ValidateRule(&rule); err != nil {
		return fromValidation(err)
	}
	if err := a.checkRuleScopes(r, &rule); err != nil {
		return err
	}
	if err := a.reorderRules(r, &rule); err != nil {
		return err
	}
	if err := a.store.CreateRule(r.Context(), &rule); err != nil {
		return storeErr(err, notFound(p.ID, "Policy"), "")
	}
	writeJSON(w, http.StatusCreated, a.ruleView(r, &rule))
	return nil
}

func (a *API) getRule(w http.ResponseWriter, r *http.Request) error {
	_, rule, err := a.ruleByPath(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.ruleView(r, rule))
	return nil
}

func (a *API) replaceRule(w http.ResponseWriter, r *http.Request) error {
	_, old, err := a.ruleByPath(r)
	if err != nil {
		return err
	}
	var rule okta.Rule
	if err := decode(r, &rule); err != nil {
		return err
	}
	rule.ID, rule.ServerID, rule.PolicyID, rule.System, rule.Created = old.ID, old.ServerID, old.PolicyID, old.System, old.Created
	if rule.Priority == 0 {
		rule.Priority = old.Priority
	}
	if rule.Status == "" {
		rule.Status = old.Status
	}
	rule.LastUpdated = a.stamp()
	okta.ApplyRuleDefaults(&rule)
	if err := okta.ValidateRule(&rule); err != nil {
		return fromValidation(err)
	}
	if err := a.checkRuleScopes(r, &rule); err != nil {
		return err
	}
	if err := a.reorderRules(r, &rule); err != nil {
		return err
	}
	if err := a.store.UpdateRule(r.Context(), &rule); err != nil {
		return storeErr(err, notFound(rule.ID, "PolicyRule"), "")
	}
	writeJSON(w, http.StatusOK, a.ruleView(r, &rule))
	return nil
}

func (a *API) deleteRule(w http.ResponseWriter, r *http.Request) error {
	p, rule, err := a.ruleByPath(r)
	if err != nil {
		return err
	}
	if err := a.store.DeleteRule(r.Context(), p.ServerID, p.ID, rule.ID); err != nil {
		return storeErr(err, notFound(rule.ID, "PolicyRule"), "")
	}
	return noContent(w)
}

func (a *API) ruleLifecycle(status string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, rule, err := a.ruleByPath(r)
		if err != nil {
			return err
		}
		rule.Status, rule.LastUpdated = status, a.stamp()
		if err := a.store.UpdateRule(r.Context(), rule); err != nil {
			return storeErr(err, notFound(rule.ID, "PolicyRule"), "")
		}
		return noContent(w)
	}
}

// placeAt puts item at position prio (1-based, clamped) among others and
// renumbers everything 1..n, the way Okta keeps policy and rule priorities
// unique and contiguous: creating a policy at priority 1 moves the others
// down. It returns the others whose priority changed.
func placeAt[T any](others []T, item T, prio int, get func(T) int, set func(T, int)) []T {
	i := min(max(prio, 1), len(others)+1) - 1
	all := append(append(append([]T{}, others[:i]...), item), others[i:]...)
	var changed []T
	for n, x := range all {
		if get(x) != n+1 {
			set(x, n+1)
			if n != i {
				changed = append(changed, x)
			}
		}
	}
	return changed
}

// reorderPolicies renumbers the server's policies around p and stores the
// ones that moved.
func (a *API) reorderPolicies(r *http.Request, p *okta.Policy) error {
	list, err := a.store.ListPolicies(r.Context(), p.ServerID)
	if err != nil {
		return err
	}
	var others []*okta.Policy
	for _, x := range list {
		if x.ID != p.ID {
			others = append(others, x)
		}
	}
	moved := placeAt(others, p, p.Priority, func(x *okta.Policy) int { return x.Priority }, func(x *okta.Policy, n int) { x.Priority = n })
	for _, x := range moved {
		if err := a.store.UpdatePolicy(r.Context(), x); err != nil {
			return err
		}
	}
	return nil
}

// reorderRules does the same for the rules of a policy.
func (a *API) reorderRules(r *http.Request, rule *okta.Rule) error {
	list, err := a.store.ListRules(r.Context(), rule.ServerID, rule.PolicyID)
	if err != nil {
		return err
	}
	var others []*okta.Rule
	for _, x := range list {
		if x.ID != rule.ID {
			others = append(others, x)
		}
	}
	moved := placeAt(others, rule, rule.Priority, func(x *okta.Rule) int { return x.Priority }, func(x *okta.Rule, n int) { x.Priority = n })
	for _, x := range moved {
		if err := a.store.UpdateRule(r.Context(), x); err != nil {
			return err
		}
	}
	return nil
}
