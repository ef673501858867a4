# METADATA
# title: IAM identity policy helpers
# description: The identity policy statements of the resource under evaluation and the grants that escalate privilege (a package of its own, like cis_monitoring).
package policyguard.iam_identity

import data.policyguard.lib
import rego.v1

# ---------------------------------------------------------------------------------------------
# Identity policies of the resource under evaluation (aws_iam_policy, aws_iam_*_policy,
# aws_iam_role.inline_policy, identity statements of an aws_iam_policy_document, CloudFormation
# AWS::IAM::Policy/ManagedPolicy and the Policies of Role/User/Group). A rule, computed once per
# resource for every IAM rule.
# ---------------------------------------------------------------------------------------------
identity_documents contains {"path": "policy", "doc": lib.attr("policy")} if {
	input.resource.type in {"aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"}
}

identity_documents contains {"path": sprintf("inline_policy[%d].policy", [i]), "doc": doc} if {
	input.resource.type == "aws_iam_role"
	some i, p in lib.arr(lib.attr("inline_policy"))
	doc := object.get(lib.obj(p), "policy", null)
}

identity_documents contains {"path": "PolicyDocument", "doc": lib.attr("PolicyDocument")} if {
	input.resource.type in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}
}

identity_documents contains {"path": sprintf("Policies[%d].PolicyDocument", [i]), "doc": doc} if {
	input.resource.type in {"AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"}
	some i, p in lib.arr(lib.attr("Policies"))
	doc := object.get(lib.obj(p), "PolicyDocument", null)
}

identity_statements contains s if {
	some d in identity_documents
	some s in lib.policy_statements(d.doc, d.path)
}

# an aws_iam_policy_document's statements without principals (those belong to resource policies)
identity_statements contains s if {
	input.resource.type == "data.aws_iam_policy_document"
	some s in lib.document_block_statements(input.resource.attributes)
	s.st.Principal == null
	s.st.NotPrincipal == null
}

# identity_unresolved: the documents that are not resolved, as {"path", "msg"}; a rule reports
# them as fails on the path (the engine turns them into unknown). A policy written as
# data.aws_iam_policy_document.<name>.json with nothing merged into the data source is judged
# on the data source instead.
identity_unresolved contains {"path": d.path, "msg": sprintf("%s: the policy document is not resolved", [input.resource.id])} if {
	some d in identity_documents
	lib.is_unknown(d.doc)
	not _judged_on_data_source(d)
}

_judged_on_data_source(d) if {
	expr := lib.unknown_expr(d.doc)
	endswith(expr, ".json")
	some ref in lib.arr(input.resource.references)
	ref.path == d.path
	ref.expression == expr
	src := input.resources[ref.target]
	src.type == "data.aws_iam_policy_document"
	is_array(src.attributes.statement)
	every key in ["source_policy_documents", "override_policy_documents", "source_json", "override_json"] {
		object.get(src.attributes, key, null) in {null, [], ""}
	}
}


# escalating_grants(actions): the identity statements of this resource that allow some of the
# actions (lower case) on a broad resource ("*", "...:role/*", NotResource), unless an
# unconditional Deny of the same resource covers the action everywhere, a condition on iam:*
# keys or tags scopes the grant, or the statement is full "*" on "*" (PG-AWS-IAM-001 reports
# that). Each as {"s": statement entry, "actions": granted, "resources": broad ones, "path"}.
escalating_grants(actions) := [g |
	some c in _escalation_candidates
	granted := [a | some a in actions; _covers(c, lower(a)); not denied_everywhere(a)]
	count(granted) > 0
	broad := _broad_resources(c.s.st)
	count(broad) > 0
	not _iam_scoped(object.get(c.s.st, "Condition", null))
	g := {"s": c.s, "actions": granted, "resources": broad, "path": _grant_path(c.s, broad)}
]

# granted_actions(actions): the actions some identity statement of this resource allows, on any
# resource, that no unconditional Deny takes back
granted_actions(actions) := {a |
	some a in actions
	some c in _compiled
	c.effect == "Allow"
	_covers(c, lower(a))
	not denied_everywhere(a)
}

# denied_everywhere(action): an unconditional Deny of this resource covers the action on "*"
denied_everywhere(action) if {
	some c in _denied_everywhere
	_covers(c, lower(action))
}

# The Allow and Deny statements with their Action / NotAction patterns compiled once per
# resource (rules, so every IAM rule of a resource's group shares them): ten rules ask about
# their own actions, and matching each action against raw patterns cost ~100 us per rule and
# resource. _covers(c, action) is lib.statement_allows / statement_denies without the effect.
_compiled := [c |
	some s in identity_statements
	effect := object.get(s.st, "Effect", null)
	effect in {"Allow", "Deny"}
	c := {"s": s, "effect": effect, "action": lib.action_patterns(object.get(s.st, "Action", [])), "not_action": _not_action(s.st)}
]

_escalation_candidates := [c | some c in _compiled; c.effect == "Allow"; not _full_admin(c.s.st)]

_denied_everywhere := [c |
	some c in _compiled
	c.effect == "Deny"
	"*" in lib.as_array(object.get(c.s.st, "Resource", []))
	count(lib.obj(object.get(c.s.st, "Condition", null))) == 0
]

_not_action(st) := lib.action_patterns(na) if {
	na := object.get(st, "NotAction", null)
	na != null
	na != false
} else := null

_covers(c, action) if lib.action_in(c.action, action)

_covers(c, action) if {
	c.not_action != null
	not lib.action_in(c.not_action, action)
}

_full_admin(st) if {
	"*" in lib.as_array(object.get(st, "Action", []))
	"*" in lib.as_array(object.get(st, "Resource", []))
}

_broad_resources(st) := array.concat(
	[{"value": r, "path": _resource_path(rs, i)} | rs := object.get(st, "Resource", []); some i, r in lib.as_array(rs); _broad_resource(r)],
	[{"value": nr, "path": "NotResource"} | nr := object.get(st, "NotResource", null); nr != null],
)

_resource_path(rs, i) := sprintf("Resource[%d]", [i]) if is_array(rs)

_resource_path(rs, _) := "Resource" if not is_array(rs)

_broad_resource(r) if r == "*"

_broad_resource(r) if {
	is_string(r)
	regex.match(`^arn:[^:]*:[^:]*:[^:]*:[^:]*:([a-z-]+/)?\*$`, r)
}

# an unresolved resource is judged (unknown) only when it is a bare variable or parameter that
# could hold "*"; an expression building an ARN or naming another resource's attribute
# (aws_iam_role.app.arn, !GetAtt, !Sub "arn:...:role/app") names a specific resource
_broad_resource(r) if {
	lib.is_unknown(r)
	regex.match(`^(var|local|each)\.[A-Za-z0-9_.-]+$|^!Ref [A-Za-z0-9:]+$`, lib.str(lib.unknown_expr(r)))
}

# an unresolved resource makes the verdict unknown: point at it (data-source blocks at the
# resources attribute with the item's index, documents at Resource[i])
_grant_path(s, broad) := _unknown_resource_path(s, ps[0]) if {
	ps := [b.path | some b in broad; lib.is_unknown(b.value)]
	count(ps) > 0
} else := lib.policy_field_path(s, "Action")

_unknown_resource_path(s, p) := sprintf("%s.resources%s", [s.path, trim_prefix(p, "Resource")]) if {
	object.get(object.get(s, "fields", {}), "Resource", null) != null
} else := sprintf("%s.%s", [s.path, p]) if contains(s.path, "Statement") else := s.path

_iam_scoped(cond) if {
	some e in lib.condition_entries(cond)
	lib.positive_condition_op(lib.condition_base_op(e.op))
	_scoping_key(e.key)
	lib.specific_values(e.values)
}

_scoping_key(k) if startswith(k, "iam:")

_scoping_key(k) if startswith(k, "aws:resourcetag/")

_scoping_key(k) if startswith(k, "aws:requesttag/")

