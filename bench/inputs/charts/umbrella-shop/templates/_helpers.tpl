{{- define "umbrella-shop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "umbrella-shop.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "umbrella-shop.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "umbrella-shop.labels" -}}
app.kubernetes.io/name: {{ include "umbrella-shop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "umbrella-shop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "umbrella-shop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
