{{- define "cron-docker-cleanup.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cron-docker-cleanup.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "cron-docker-cleanup.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "cron-docker-cleanup.labels" -}}
app.kubernetes.io/name: {{ include "cron-docker-cleanup.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "cron-docker-cleanup.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cron-docker-cleanup.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
