# METADATA
# title: CloudTrail records S3 object-level read events
# description: >-
#   Management events do not show who read an object: only S3 data events do
#   (AWS::S3::Object, ReadOnly or All). A trail passes with a basic event selector
#   (event_selector / EventSelectors) whose data_resource is AWS::S3::Object and whose
#   read_write_type covers reads (the default is All), or an advanced selector
#   (advanced_event_selector / AdvancedEventSelectors) with eventCategory = Data,
#   resources.type = AWS::S3::Object and no readOnly field excluding reads. Selectors
#   limited to named buckets count (CIS audits the buckets they name). Any trail of the unit
#   that records them satisfies the account; an unresolved selector is unknown.
# custom:
#   id: PG-AWS-CLOUDTRAIL-006
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_cloudtrail]
#     cloudformation: ["AWS::CloudTrail::Trail"]
#   frameworks:
#     cis-aws: ["3.9"]
#     nist-800-53: ["AU-2", "AU-12"]
#     pci-dss-4.0: ["10.2.1"]
#     soc2: ["CC7.2"]
#   remediation: >-
#     Add an event_selector with read_write_type = "All" (or "ReadOnly") and a data_resource
#     { type = "AWS::S3::Object", values = ["arn:aws:s3"] } to the trail (CloudFormation:
#     EventSelectors with DataResources), or an equivalent advanced event selector.
#   fixable: false
package policyguard.rules.aws.cloudtrail.s3_object_read_events

import data.policyguard.lib
import rego.v1

mode := "read"

trail_types := {"aws_cloudtrail", "AWS::CloudTrail::Trail"}

names := {
	"terraform": {
		"basic": "event_selector", "rw": "read_write_type", "data": "data_resource", "type": "type", "values": "values",
		"advanced": "advanced_event_selector", "fields": "field_selector", "field": "field", "equals": "equals",
	},
	"cloudformation": {
		"basic": "EventSelectors", "rw": "ReadWriteType", "data": "DataResources", "type": "Type", "values": "Values",
		"advanced": "AdvancedEventSelectors", "fields": "FieldSelectors", "field": "Field", "equals": "Equals",
	},
}

k := names[input.resource.platform]

fail contains result if {
	count(recording) == 0
	count(unresolved) == 0
	result := {
		"msg": sprintf("%s: no trail of this unit records S3 object-level %s events (data events for AWS::S3::Object)", [input.resource.id, mode]),
		"path": k.basic,
	}
}

unknown contains result if {
	count(recording) == 0
	count(unresolved) > 0
	result := {
		"msg": sprintf("%s: a trail's event selectors are not resolved, so whether S3 object-level %s events are recorded is not known", [input.resource.id, mode]),
		"path": k.basic,
		"expr": concat(", ", sort(unresolved)),
	}
}

# trails of the unit that record the events
recording contains id if {
	some id, r in input.resources
	r.type in trail_types
	kk := names[r.platform]
	some sel in lib.coll(object.get(lib.obj(r.attributes), kk.basic, []))
	basic_records(sel, kk)
}

recording contains id if {
	some id, r in input.resources
	r.type in trail_types
	kk := names[r.platform]
	some sel in lib.coll(object.get(lib.obj(r.attributes), kk.advanced, []))
	advanced_records(sel, kk)
}

basic_records(sel, kk) if {
	covers(object.get(lib.obj(sel), kk.rw, "All"))
	some dr in lib.coll(object.get(lib.obj(sel), kk.data, []))
	object.get(lib.obj(dr), kk.type, null) == "AWS::S3::Object"
	vs := object.get(lib.obj(dr), kk.values, [])
	is_array(vs)
	count(vs) > 0
}

covers(rw) if rw == "All"

covers(rw) if rw == null

covers(rw) if rw == "ReadOnly"

advanced_records(sel, kk) if {
	fs := field_values(sel, kk)
	"Data" in object.get(fs, "eventCategory", [])
	"AWS::S3::Object" in object.get(fs, "resources.type", [])
	read_only_ok(fs)
}

# field name -> its `equals` values
field_values(sel, kk) := {f: vs |
	some fsel in lib.coll(object.get(lib.obj(sel), kk.fields, []))
	f := object.get(lib.obj(fsel), kk.field, null)
	is_string(f)
	vs := lib.arr(object.get(lib.obj(fsel), kk.equals, []))
}

read_only_ok(fs) if not lib.has(fs, "readOnly")

read_only_ok(fs) if "true" in fs.readOnly

# selector lists, selectors or their key values that a parser could not resolve
unresolved contains lib.unknown_expr(v) if {
	some r in input.resources
	r.type in trail_types
	kk := names[r.platform]
	some key in [kk.basic, kk.advanced]
	v := object.get(lib.obj(r.attributes), key, null)
	lib.is_unknown(v)
}

unresolved contains lib.unknown_expr(v) if {
	some r in input.resources
	r.type in trail_types
	kk := names[r.platform]
	some key in [kk.basic, kk.advanced]
	some sel in lib.coll(object.get(lib.obj(r.attributes), key, []))
	some v in inner(sel, kk)
	lib.is_unknown(v)
}

inner(sel, kk) := array.concat([sel, object.get(lib.obj(sel), kk.rw, null)], [object.get(lib.obj(dr), kk.values, null) | some dr in lib.coll(object.get(lib.obj(sel), kk.data, []))])
