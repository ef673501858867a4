{{- define "latest-tag.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "latest-tag.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "latest-tag.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "latest-tag.labels" -}}
app.kubernetes.io/name: {{ include "latest-tag.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "latest-tag.selectorLabels" -}}
app.kubernetes.io/name: {{ include "latest-tag.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
