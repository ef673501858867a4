{{- define "multi-container.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "multi-container.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "multi-container.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "multi-container.labels" -}}
app.kubernetes.io/name: {{ include "multi-container.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "multi-container.selectorLabels" -}}
app.kubernetes.io/name: {{ include "multi-container.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
