{{- define "redis-lite.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "redis-lite.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "redis-lite.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "redis-lite.labels" -}}
app.kubernetes.io/name: {{ include "redis-lite.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "redis-lite.selectorLabels" -}}
app.kubernetes.io/name: {{ include "redis-lite.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
