{{- define "hardening-toggle.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hardening-toggle.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "hardening-toggle.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "hardening-toggle.labels" -}}
app.kubernetes.io/name: {{ include "hardening-toggle.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "hardening-toggle.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hardening-toggle.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
