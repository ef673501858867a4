{{- define "worker-statefulset.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "worker-statefulset.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "worker-statefulset.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "worker-statefulset.labels" -}}
app.kubernetes.io/name: {{ include "worker-statefulset.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "worker-statefulset.selectorLabels" -}}
app.kubernetes.io/name: {{ include "worker-statefulset.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
