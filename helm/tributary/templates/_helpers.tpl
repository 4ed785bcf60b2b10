{{/*
Names, labels and the worker.properties helpers shared by the templates.
*/}}

{{- define "tributary.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tributary.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tributary.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tributary.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tributary.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tributary.labels" -}}
helm.sh/chart: {{ include "tributary.chart" . }}
{{ include "tributary.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: worker
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The headless Service giving each pod a stable DNS name. */}}
{{- define "tributary.headlessName" -}}
{{- printf "%s-headless" (include "tributary.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tributary.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tributary.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tributary.secretName" -}}
{{- default (printf "%s-tenants" (include "tributary.fullname" .)) .Values.tenants.existingSecret }}
{{- end }}

{{- define "tributary.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* group.id and the three storage topics. */}}
{{- define "tributary.groupId" -}}
{{- default (include "tributary.fullname" .) .Values.worker.groupId }}
{{- end }}
{{- define "tributary.configTopic" -}}
{{- default (printf "%s-configs" (include "tributary.groupId" .)) .Values.worker.configStorage.topic }}
{{- end }}
{{- define "tributary.offsetTopic" -}}
{{- default (printf "%s-offsets" (include "tributary.groupId" .)) .Values.worker.offsetStorage.topic }}
{{- end }}
{{- define "tributary.statusTopic" -}}
{{- default (printf "%s-status" (include "tributary.groupId" .)) .Values.worker.statusStorage.topic }}
{{- end }}

{{/*
A value as text. Numbers from values files arrive as float64 and would print
as 3e+06; whole numbers are printed as integers. A missing (null) value fails
the rendering rather than printing nothing.
*/}}
{{- define "tributary.str" -}}
{{- if kindIs "float64" . }}
{{- if eq (floor .) . }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- else if kindIs "invalid" . }}
{{- fail "a value the chart needs is null or missing (compare your values with values.yaml)" }}
{{- else }}{{ . }}{{ end }}
{{- end }}

{{/*
One "key=value" line of worker.properties: backslashes doubled and a leading
space escaped (the properties format), a newline refused.
Usage: include "tributary.prop" (list "key" value)
*/}}
{{- define "tributary.prop" -}}
{{- $key := index . 0 }}
{{- $v := include "tributary.str" (index . 1) }}
{{- if or (contains "\n" $v) (contains "\n" $key) }}
{{- fail (printf "worker property %s: a value cannot contain a newline" $key) }}
{{- end }}
{{- if not (regexMatch "^[A-Za-z0-9._-]+$" $key) }}
{{- fail (printf "worker property %q: names are letters, digits, '.', '_' and '-'" $key) }}
{{- end }}
{{- $v = $v | replace "\\" "\\\\" }}
{{- if hasPrefix " " $v }}{{ $v = printf "\\%s" $v }}{{ end }}
{{- printf "%s=%s" $key $v }}
{{- end }}
