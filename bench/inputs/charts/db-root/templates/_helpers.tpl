{{- define "db-root.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "db-root.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "db-root.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "db-root.labels" -}}
app.kubernetes.io/name: {{ include "db-root.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "db-root.selectorLabels" -}}
app.kubernetes.io/name: {{ include "db-root.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
