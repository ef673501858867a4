# METADATA
# title: CIS AWS monitoring helpers
# description: >-
#   The CloudTrail -> log group -> metric filter -> alarm chains of CIS AWS Foundations section
#   4, computed once per evaluated trail (a package of its own: regorus evaluates every rule of
#   a package referenced, so these stay out of every other rule's path).
package policyguard.cis_monitoring

import data.policyguard.lib
import rego.v1

# ---------------------------------------------------------------------------------------------
# CIS AWS Foundations 3.0 section 4 (monitoring): shared by the PG-AWS-MONITOR rules
# (rules/aws/monitoring). A control holds when the scan unit has a CloudTrail trail that sends
# to a CloudWatch Logs group, a metric filter on that group whose pattern selects the control's
# events, and a metric alarm with an action on the filter's metric. The trail's own settings
# (multi-region, logging) are PG-AWS-CLOUDTRAIL-001 and -004's: judging them here too would
# report one gap under several rules, and a fix of one would move the others' findings. cis_monitor_fails(c) / cis_monitor_unknowns(c): the results for the trail under
# evaluation (the unit's account-level anchor), none when any trail of the unit satisfies c.
# ---------------------------------------------------------------------------------------------


_cwm_trail_types := {"aws_cloudtrail", "AWS::CloudTrail::Trail"}

_cwm_group_types := {"aws_cloudwatch_log_group", "AWS::Logs::LogGroup"}

_cwm_filter_types := {"aws_cloudwatch_log_metric_filter", "AWS::Logs::MetricFilter"}

_cwm_alarm_types := {"aws_cloudwatch_metric_alarm", "AWS::CloudWatch::Alarm"}

# attribute names per platform
_cwm_keys := {
	"terraform": {
		"cw": "cloud_watch_logs_group_arn",
		"group_name": "name", "filter_group": "log_group_name", "pattern": "pattern",
		"alarm_metric": "metric_name", "alarm_ns": "namespace", "actions": "alarm_actions",
		"actions_enabled": "actions_enabled",
	},
	"cloudformation": {
		"cw": "CloudWatchLogsLogGroupArn",
		"group_name": "LogGroupName", "filter_group": "LogGroupName", "pattern": "FilterPattern",
		"alarm_metric": "MetricName", "alarm_ns": "Namespace", "actions": "AlarmActions",
		"actions_enabled": "ActionsEnabled",
	},
}

# ---------------------------------------------------------------------------------------------
# The CIS AWS Foundations v3.0 event selections. A pattern matches a control when, compared
# clause by clause after tokenizing (whitespace and quotes ignored, `==` read as `=`):
#   - it holds every `required` clause and every `events` clause (the alternatives the benchmark
#     lists, joined by ||), and no clause outside required + events + optional_events + optional
#     (optional: the narrowing clauses the benchmark itself documents, such as the eventSource
#     prefix or the HeadBucket exclusion);
#   - every `$.` selector was understood (no unrecognised comparison that could narrow it);
#   - the event alternatives are joined by `||` and everything else by `&&` (operator counts).
# ---------------------------------------------------------------------------------------------
cis_monitor_controls := {
	"4.1": {
		"required": [], "optional": ["sourceIPAddress!=delivery.logs.amazonaws.com", "eventName!=HeadBucket"],
		"events": ["errorCode=*UnauthorizedOperation", "errorCode=AccessDenied*"], "optional_events": [],
	},
	"4.2": {
		"required": ["eventName=ConsoleLogin", "additionalEventData.MFAUsed!=Yes"],
		"optional": ["userIdentity.type=IAMUser", "responseElements.ConsoleLogin=Success"],
		"events": [], "optional_events": [],
	},
	"4.3": {
		"required": ["userIdentity.type=Root"],
		"optional": ["userIdentity.invokedBy NOT EXISTS", "eventType!=AwsServiceEvent"],
		"events": [], "optional_events": [],
	},
	"4.4": {
		"required": [], "optional": ["eventSource=iam.amazonaws.com"], "optional_events": [],
		"events": [sprintf("eventName=%s", [e]) | some e in [
			"DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
			"PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
			"AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy",
			"AttachGroupPolicy", "DetachGroupPolicy",
		]],
	},
	"4.5": {
		"required": [], "optional": ["eventSource=cloudtrail.amazonaws.com"], "optional_events": [],
		"events": [sprintf("eventName=%s", [e]) | some e in ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]],
	},
	"4.6": {
		"required": ["eventName=ConsoleLogin", "errorMessage=Failed authentication"],
		"optional": [], "events": [], "optional_events": [],
	},
	"4.7": {
		"required": [], "optional": ["eventSource=kms.amazonaws.com"], "optional_events": [],
		"events": ["eventName=DisableKey", "eventName=ScheduleKeyDeletion"],
	},
	"4.8": {
		"required": [], "optional": ["eventSource=s3.amazonaws.com"], "optional_events": [],
		"events": [sprintf("eventName=%s", [e]) | some e in [
			"PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
			"DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication",
		]],
	},
	"4.9": {
		"required": [], "optional": ["eventSource=config.amazonaws.com"], "optional_events": [],
		"events": [sprintf("eventName=%s", [e]) | some e in ["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"]],
	},
	"4.10": {
		"required": [], "optional": ["eventSource=ec2.amazonaws.com"], "optional_events": [],
		"events": [sprintf("eventName=%s", [e]) | some e in [
			"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
			"RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup",
		]],
	},
	"4.11": {
		"required": [], "optional": ["eventSource=ec2.amazonaws.com"], "optional_events": [],
		"events": [sprintf("eventName=%s", [e]) | some e in [
			"CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
			"ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation",
		]],
	},
	"4.12": {
		"required": [], "optional": ["eventSource=ec2.amazonaws.com"], "optional_events": [],
		"events": [sprintf("eventName=%s", [e]) | some e in [
			"CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
			"DeleteInternetGateway", "DetachInternetGateway",
		]],
	},
	"4.13": {
		"required": [], "optional": ["eventSource=ec2.amazonaws.com"], "optional_events": [],
		"events": [sprintf("eventName=%s", [e]) | some e in [
			"CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation",
			"DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable",
		]],
	},
	# EC2-Classic and ClassicLink are retired: their four events may be left out
	"4.14": {
		"required": [], "optional": ["eventSource=ec2.amazonaws.com"],
		"events": [sprintf("eventName=%s", [e]) | some e in [
			"CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
			"CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
		]],
		"optional_events": [sprintf("eventName=%s", [e]) | some e in [
			"AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink", "EnableVpcClassicLink",
		]],
	},
	"4.15": {
		"required": [], "optional": ["eventSource=organizations.amazonaws.com"], "optional_events": [],
		"events": [sprintf("eventName=%s", [e]) | some e in [
			"AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
			"DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy",
			"DetachPolicy", "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization",
			"LeaveOrganization", "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy",
			"UpdateOrganizationalUnit",
		]],
	},
}

# one comparison: $.selector, then `=`/`==`/`!=` and a quoted or bare value, or a keyword test
_cwm_clause_re := `\$\.([A-Za-z0-9_.\[\]-]+)\s*(?:(!=|==|=)\s*(?:"([^"]*)"|([^\s()&|"]+))|(NOT\s+EXISTS|EXISTS|IS\s+NULL|NOT\s+NULL|IS\s+TRUE|IS\s+FALSE))`

# _cwm_tokens(p): the pattern's comparisons in canonical form ("eventName=CreateTrail",
# "userIdentity.invokedBy NOT EXISTS"), plus counts of selectors and connectors
_cwm_tokens(p) := {
	"clauses": [_cwm_canonical(m) | some m in regex.find_all_string_submatch_n(_cwm_clause_re, p, -1)],
	"selectors": count(regex.find_all_string_submatch_n(`\$\.`, p, -1)),
	"and": count(regex.find_all_string_submatch_n(`&&`, _cwm_unquoted(p), -1)),
	"or": count(regex.find_all_string_submatch_n(`\|\|`, _cwm_unquoted(p), -1)),
}

_cwm_unquoted(p) := regex.replace(p, `"[^"]*"`, `""`)

_cwm_canonical(m) := sprintf("%s %s", [m[1], upper(regex.replace(m[5], `\s+`, " "))]) if m[5] != ""

_cwm_canonical(m) := sprintf("%s%s%s", [m[1], _cwm_op(m[2]), concat("", [m[3], m[4]])]) if m[5] == ""

_cwm_op("==") := "="

_cwm_op(o) := o if o != "=="

# cis_monitor_matches(p, c): pattern string p selects the events of control c
cis_monitor_matches(p, c) if {
	is_string(p)
	_cwm_matches_tokens(_cwm_tokens(p), c)
}

_cwm_matches_tokens(t, c) if {
	spec := object.get(cis_monitor_controls, c, null)
	is_object(spec)
	clauses := {x | some x in t.clauses}
	count(t.clauses) > 0
	t.selectors == count(t.clauses)
	allowed := {x | some k in ["required", "optional", "events", "optional_events"]; some x in spec[k]}
	count(clauses - allowed) == 0
	count({x | some x in spec.required} - clauses) == 0
	count({x | some x in spec.events} - clauses) == 0
	alternatives := {x | some x in spec.events} | {x | some x in spec.optional_events}
	n_alt := count([x | some x in t.clauses; x in alternatives])
	n_rest := count(t.clauses) - n_alt
	t.or == _cwm_or_count(n_alt)
	t.and == _cwm_and_count(n_alt, n_rest)
}

_cwm_or_count(n) := n - 1 if n > 0

_cwm_or_count(0) := 0

_cwm_and_count(n_alt, n_rest) := n_rest if n_alt > 0

_cwm_and_count(0, n_rest) := n_rest - 1

# ---------------------------------------------------------------------------------------------
# The unit's _cwm_filters and alarms, computed once per evaluated resource for all 15 rules
# ---------------------------------------------------------------------------------------------
_cwm_filters := {id: f |
	some id, r in input.resources
	r.type in _cwm_filter_types
	k := _cwm_keys[r.platform]
	attrs := lib.obj(r.attributes)
	f := {
		"id": id,
		"groups": {ref.target | some ref in lib.coll(r.references); ref.path == k.filter_group},
		"group_name": object.get(attrs, k.filter_group, null),
		"pattern": object.get(attrs, k.pattern, null),
		"metrics": _cwm_metrics(r.platform, attrs),
	}
}

# [name, namespace] of each metric transformation
_cwm_metrics("terraform", attrs) := [[_cwm_value_key(object.get(lib.obj(t), "name", null)), _cwm_value_key(object.get(lib.obj(t), "namespace", null))] |
	some t in lib.arr(object.get(attrs, "metric_transformation", []))
]

_cwm_metrics("cloudformation", attrs) := [[_cwm_value_key(object.get(lib.obj(t), "MetricName", null)), _cwm_value_key(object.get(lib.obj(t), "MetricNamespace", null))] |
	some t in lib.arr(object.get(attrs, "MetricTransformations", []))
]

# the controls each filter's pattern selects
_cwm_filter_controls := {id: cs |
	some id, f in _cwm_filters
	cs := _cwm_controls_of(f.pattern)
}

_cwm_controls_of(p) := {c | t := _cwm_tokens(p); some c, _ in cis_monitor_controls; _cwm_matches_tokens(t, c)} if is_string(p)

_cwm_controls_of(p) := set() if not is_string(p)

# alarms with at least one action: literal [metric, namespace] pairs, and _cwm_filters they reference
_cwm_alarms := [{"id": id, "r": r, "k": _cwm_keys[r.platform]} | some id, r in input.resources; r.type in _cwm_alarm_types]

_cwm_acting_alarms := [a |
	some a in _cwm_alarms
	_cwm_actions(a) == "yes"
]

_cwm_actions(a) := "yes" if {
	not lib.falsy(object.get(lib.obj(a.r.attributes), a.k.actions_enabled, true))
	acts := object.get(lib.obj(a.r.attributes), a.k.actions, null)
	is_array(acts)
	count(acts) > 0
} else := "unknown" if {
	lib.is_unknown(object.get(lib.obj(a.r.attributes), a.k.actions, null))
} else := "no"

_cwm_alarm_pairs := {[n, ns] |
	some a in _cwm_acting_alarms
	attrs := lib.obj(a.r.attributes)
	n := _cwm_value_key(object.get(attrs, a.k.alarm_metric, null))
	ns := _cwm_value_key(object.get(attrs, a.k.alarm_ns, null))
}

# a metric name or namespace as a comparable key: the string, or for an unresolved value its
# expression (`!Ref AWS::StackName` in the filter and in the alarm is the same value once
# deployed); undefined for anything else
_cwm_value_key(v) := concat("", ["s:", v]) if is_string(v)

_cwm_value_key(v) := concat("", ["u:", lib.unknown_expr(v)]) if lib.is_unknown(v)

_cwm_alarmed_by_ref := {ref.target |
	some a in _cwm_acting_alarms
	some ref in lib.coll(a.r.references)
	ref.path == a.k.alarm_metric
}

# an alarm whose metric or actions are unresolved might be the one that watches a filter
_cwm_unresolved_alarms := [a.id |
	some a in _cwm_alarms
	_cwm_unresolved_alarm(a)
]

_cwm_unresolved_alarm(a) if _cwm_actions(a) == "unknown"

_cwm_unresolved_alarm(a) if {
	attrs := lib.obj(a.r.attributes)
	_cwm_unresolved_metric(attrs, a.k)
	count(_cwm_metric_refs(a)) == 0
	not _cwm_pair_of_filter(attrs, a.k)
}

_cwm_unresolved_metric(attrs, k) if lib.is_unknown(object.get(attrs, k.alarm_metric, null))

_cwm_unresolved_metric(attrs, k) if lib.is_unknown(object.get(attrs, k.alarm_ns, null))

_cwm_metric_refs(a) := [ref | some ref in lib.coll(a.r.references); ref.path == a.k.alarm_metric]

# the alarm's [metric, namespace] keys equal a filter's (literal or same unresolved expression)
_cwm_pair_of_filter(attrs, k) if {
	pair := [_cwm_value_key(object.get(attrs, k.alarm_metric, null)), _cwm_value_key(object.get(attrs, k.alarm_ns, null))]
	some f in _cwm_filters
	pair in f.metrics
}

_cwm_alarmed(f) if f.id in _cwm_alarmed_by_ref

_cwm_alarmed(f) if {
	some pair in f.metrics
	pair in _cwm_alarm_pairs
}

# ---------------------------------------------------------------------------------------------
# Trails: the log group each one sends to, by reference or by the name in a literal ARN
# ---------------------------------------------------------------------------------------------
_cwm_trails := {id: t |
	some id, r in input.resources
	r.type in _cwm_trail_types
	t := _cwm_trail(id, r)
}

_cwm_trail(id, r) := t if {
	k := _cwm_keys[r.platform]
	attrs := lib.obj(r.attributes)
	arn := object.get(attrs, k.cw, null)
	ref_groups := {ref.target |
		some ref in lib.coll(r.references)
		ref.path == k.cw
		input.resources[ref.target].type in _cwm_group_types
	}
	arn_name := _cwm_arn_group_name(arn)
	named_groups := {gid | some gid, g in input.resources; g.type in _cwm_group_types; _cwm_group_name(g) == arn_name}
	groups := ref_groups | named_groups
	t := {
		"id": id,
		"arn": arn,
		"groups": groups,
		"names": {gn | some gid in groups; gn := _cwm_group_name(input.resources[gid])} | {an | an := arn_name; an != null},
	}
}

# the log group name in a literal ARN (arn:aws:logs:region:account:log-group:NAME:*), else null
_cwm_arn_group_name(arn) := n if {
	is_string(arn)
	m := regex.find_all_string_submatch_n(`:log-group:([^:*]+)`, arn, 1)
	count(m) == 1
	n := m[0][1]
} else := null

_cwm_group_name(g) := n if {
	n := object.get(lib.obj(g.attributes), _cwm_keys[g.platform].group_name, null)
	is_string(n)
}

# the _cwm_filters on a trail's log group
_cwm_trail_filters(t) := [f |
	some f in _cwm_filters
	_cwm_on_group(f, t)
]

_cwm_on_group(f, t) if count(f.groups & t.groups) > 0

_cwm_on_group(f, t) if f.group_name in t.names

# a trail that satisfies control c on its own
_cwm_complete(t, c) if {
	some f in _cwm_trail_filters(t)
	c in _cwm_filter_controls[f.id]
	_cwm_alarmed(f)
}

_cwm_satisfied(c) if {
	some t in _cwm_trails
	_cwm_complete(t, c)
}

# ---------------------------------------------------------------------------------------------
# _cwm_verdict(t, c): what is missing for trail t and control c, the first gap in the chain, as
# {"kind": "fail" | "unknown" | "none", "result": {...}}; every else-body only compares values
# computed in _cwm_state(t, c)
# ---------------------------------------------------------------------------------------------
_cwm_state(t, c) := {
	"matching": sort([f.id | some f in fs; c in _cwm_filter_controls[f.id]]),
	"unresolved_patterns": sort([_cwm_unknown_text(f.pattern) | some f in fs; not is_string(f.pattern)]),
	"alarmed": [f.id | some f in fs; c in _cwm_filter_controls[f.id]; _cwm_alarmed(f)],
} if fs := _cwm_trail_filters(t)

_cwm_verdict(t, c) := {"kind": "fail", "result": {
	"msg": sprintf("%s: the trail sends no events to CloudWatch Logs, so no metric filter can alarm on %s (CIS %s)", [t.id, _cwm_controls_title[c], c]),
	"path": _cwm_k.cw,
}} if {
	_cwm_no_group(t.arn)
} else := {"kind": "fail", "result": {
	# the path holds the unresolved ARN: the engine reports unknown naming it
	"msg": sprintf("%s: the trail's CloudWatch Logs group is not resolved, so whether a metric filter selects %s (CIS %s) is not known", [t.id, _cwm_controls_title[c], c]),
	"path": _cwm_k.cw,
}} if {
	count(t.groups) == 0
	lib.is_unknown(t.arn)
} else := {"kind": "unknown", "result": {
	"msg": sprintf("%s: the trail's log group is not defined in this unit, so whether a metric filter selects %s (CIS %s) is not known", [t.id, _cwm_controls_title[c], c]),
	"path": _cwm_k.cw,
	"expr": t.arn,
}} if {
	count(t.groups) == 0
} else := _cwm_chain_verdict(t, c, _cwm_state(t, c))

_cwm_chain_verdict(t, c, st) := {"kind": "fail", "result": {
	"msg": sprintf("%s: no metric filter on log group %s selects %s (CIS %s)", [t.id, _cwm_names(t), _cwm_controls_title[c], c]),
	"path": "",
}} if {
	count(st.matching) == 0
	count(st.unresolved_patterns) == 0
} else := {"kind": "unknown", "result": {
	"msg": sprintf("%s: a metric filter on the trail's log group has an unresolved pattern; it may select %s (CIS %s)", [t.id, _cwm_controls_title[c], c]),
	"path": "",
	"expr": concat(", ", st.unresolved_patterns),
}} if {
	count(st.matching) == 0
} else := {"kind": "fail", "result": {
	"msg": sprintf("%s: the metric filter %s for %s (CIS %s) has no metric alarm with an alarm action", [t.id, concat(", ", st.matching), _cwm_controls_title[c], c]),
	"path": "",
}} if {
	count(st.alarmed) == 0
	count(_cwm_unresolved_alarms) == 0
} else := {"kind": "unknown", "result": {
	"msg": sprintf("%s: the metric filter for %s (CIS %s) may be watched by an alarm whose metric or actions are unresolved", [t.id, _cwm_controls_title[c], c]),
	"path": "",
	"expr": concat(", ", sort(_cwm_unresolved_alarms)),
}} if {
	count(st.alarmed) == 0
} else := {"kind": "none"}

cis_monitor_fails(c) := {r |
	not _cwm_satisfied(c)
	v := _cwm_verdict(_cwm_trails[input.resource.id], c)
	v.kind == "fail"
	r := v.result
}

cis_monitor_unknowns(c) := {r |
	not _cwm_satisfied(c)
	v := _cwm_verdict(_cwm_trails[input.resource.id], c)
	v.kind == "unknown"
	r := v.result
}

_cwm_k := _cwm_keys[input.resource.platform]

# no log group at all (absent, null, empty, or a value that is no ARN)
_cwm_no_group(arn) if arn == ""

_cwm_no_group(arn) if {
	not is_string(arn)
	not lib.is_unknown(arn)
}

_cwm_names(t) := concat(", ", sort([n | some n in t.names])) if count(t.names) > 0

_cwm_names(t) := concat(", ", sort([g | some g in t.groups])) if count(t.names) == 0

_cwm_unknown_text(p) := lib.unknown_expr(p) if lib.is_unknown(p)

_cwm_unknown_text(p) := sprintf("%v", [p]) if not lib.is_unknown(p)

_cwm_controls_title := {
	"4.1": "unauthorized API calls",
	"4.2": "console sign-in without MFA",
	"4.3": "use of the root user",
	"4.4": "IAM policy changes",
	"4.5": "CloudTrail configuration changes",
	"4.6": "console authentication failures",
	"4.7": "disabling or scheduled deletion of KMS keys",
	"4.8": "S3 bucket policy changes",
	"4.9": "AWS Config configuration changes",
	"4.10": "security group changes",
	"4.11": "network ACL changes",
	"4.12": "network gateway changes",
	"4.13": "route table changes",
	"4.14": "VPC changes",
	"4.15": "AWS Organizations changes",
}

# AWS policy documents. Terraform writes them as JSON strings (heredoc, jsonencode evaluated by
# the parser, an aws_iam_policy_document's .json); CloudFormation as objects. Statements are
# returned as {"path": where a result can point, "st": the statement in JSON shape}; a string
# document cannot be pointed into, so its statements carry the attribute's path.
