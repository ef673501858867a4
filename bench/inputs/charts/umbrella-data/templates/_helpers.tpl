{{- define "umbrella-data.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "umbrella-data.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "umbrella-data.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "umbrella-data.labels" -}}
app.kubernetes.io/name: {{ include "umbrella-data.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "umbrella-data.selectorLabels" -}}
app.kubernetes.io/name: {{ include "umbrella-data.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
