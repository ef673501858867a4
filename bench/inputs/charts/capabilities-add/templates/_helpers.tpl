{{- define "capabilities-add.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "capabilities-add.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "capabilities-add.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "capabilities-add.labels" -}}
app.kubernetes.io/name: {{ include "capabilities-add.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "capabilities-add.selectorLabels" -}}
app.kubernetes.io/name: {{ include "capabilities-add.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
