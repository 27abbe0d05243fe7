{{/* The app this release runs: `app`, else the chart's name when it is an alias in the umbrella chart. */}}
{{- define "omnibus-service.app" -}}
{{- $app := .Values.app | default (ternary "" .Chart.Name (eq .Chart.Name "omnibus-service")) -}}
{{- required "set `app` to the Omnibus app this release runs (catalog, gateway, …)" $app -}}
{{- end -}}

{{/* Resource name: <release>-<app>, or the release name alone when it already names the app. */}}
{{- define "omnibus-service.fullname" -}}
{{- $app := include "omnibus-service.app" . -}}
{{- if or (eq .Release.Name $app) (hasSuffix (printf "-%s" $app) .Release.Name) -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $app | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "omnibus-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "omnibus-service.app" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The app's serving pods (not its migration Job's pods): Deployment, Service, PDB. */}}
{{- define "omnibus-service.podSelectorLabels" -}}
{{ include "omnibus-service.selectorLabels" . }}
app.kubernetes.io/component: {{ ternary "gateway" "service" .Values.public }}
{{- end -}}

{{- define "omnibus-service.commonLabels" -}}
app.kubernetes.io/part-of: omnibus
app.kubernetes.io/version: {{ include "omnibus-service.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "omnibus-service.labels" -}}
{{ include "omnibus-service.podSelectorLabels" . }}
app.kubernetes.io/part-of: omnibus
app.kubernetes.io/version: {{ include "omnibus-service.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "omnibus-service.tag" -}}
{{- .Values.image.tag | default .Values.global.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "omnibus-service.image" -}}
{{- $repository := .Values.image.repository | default (printf "%s/%s" (.Values.global.image.repositoryPrefix | default "omnibus") (include "omnibus-service.app" .)) -}}
{{- printf "%s:%s" $repository (include "omnibus-service.tag" .) -}}
{{- end -}}

{{- define "omnibus-service.secretName" -}}
{{- .Values.secret.name | default (include "omnibus-service.fullname" .) -}}
{{- end -}}

{{- define "omnibus-service.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "omnibus-service.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* Whether a Job migrates before install/upgrade: global.migrations.job when set (the umbrella chart), else migrations.job. */}}
{{- define "omnibus-service.migrationsJob" -}}
{{- $global := .Values.global.migrations | default dict -}}
{{- if hasKey $global "job" -}}{{ ternary "true" "" $global.job }}{{- else -}}{{ ternary "true" "" .Values.migrations.job }}{{- end -}}
{{- end -}}

{{/* NATS address: nats.url, else global.nats.url, else the NATS the umbrella chart bundles (<release>-nats). */}}
{{- define "omnibus-service.natsUrl" -}}
{{- .Values.nats.url | default .Values.global.nats.url | default (printf "nats://%s-nats:4222" .Release.Name) -}}
{{- end -}}

{{- define "omnibus-service.otelEndpoint" -}}
{{- .Values.otel.endpoint | default .Values.global.otel.endpoint | default "" -}}
{{- end -}}

{{- define "omnibus-service.natsCaConfigMap" -}}
{{- .Values.nats.tlsCaConfigMap | default .Values.global.nats.tlsCaConfigMap | default "" -}}
{{- end -}}

{{/* Non-secret settings of the app, as a map (ConfigMap data; inlined into the migration Job). */}}
{{- define "omnibus-service.config" -}}
NODE_ENV: production
PORT: "8080"
{{- if .Values.metrics.enabled }}
METRICS_PORT: {{ .Values.metrics.port | quote }}
{{- else }}
OTEL_SDK_DISABLED: "true"
{{- end }}
{{- if .Values.database.enabled }}
MIGRATE_ON_START: {{ ternary "false" "true" (eq (include "omnibus-service.migrationsJob" .) "true") | quote }}
{{- end }}
OTEL_SERVICE_NAME: {{ include "omnibus-service.app" . | quote }}
OTEL_RESOURCE_ATTRIBUTES: {{ printf "service.namespace=omnibus,deployment.environment.name=%s" .Release.Namespace | quote }}
{{- with include "omnibus-service.otelEndpoint" . }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- if include "omnibus-service.natsCaConfigMap" . }}
NODE_EXTRA_CA_CERTS: /etc/omnibus/nats-ca/{{ .Values.nats.tlsCaKey }}
{{- end }}
{{- if and (include "omnibus-service.natsUrl" .) (not .Values.nats.auth) }}
NATS_URL: {{ include "omnibus-service.natsUrl" . | quote }}
{{- end }}
{{- range $key, $value := merge (dict) .Values.config (.Values.global.config | default dict) }}
{{ $key }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* Secret environment: every key of the app's Secret, and NATS_URL built from its NATS_PASSWORD. */}}
{{- define "omnibus-service.secretEnv" -}}
envFrom:
  - secretRef:
      name: {{ include "omnibus-service.secretName" . }}
{{- $url := include "omnibus-service.natsUrl" . }}
{{- if and $url .Values.nats.auth }}
{{- $parsed := urlParse $url }}
env:
  - name: NATS_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ include "omnibus-service.secretName" . }}
        key: NATS_PASSWORD
  # Kubernetes expands $(NATS_PASSWORD): the password never appears in the manifest.
  - name: NATS_URL
    value: {{ printf "%s://%s:$(NATS_PASSWORD)@%s" $parsed.scheme (.Values.nats.user | default (include "omnibus-service.app" .)) $parsed.host | quote }}
{{- end }}
{{- end -}}

{{- define "omnibus-service.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "omnibus-service.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "omnibus-service.volumes" -}}
# The only writable place: Node's and the embedded tools' temporary files.
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- with include "omnibus-service.natsCaConfigMap" . }}
- name: nats-ca
  configMap:
    name: {{ . }}
{{- end }}
{{- end -}}

{{- define "omnibus-service.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "omnibus-service.natsCaConfigMap" . }}
- name: nats-ca
  mountPath: /etc/omnibus/nats-ca
  readOnly: true
{{- end }}
{{- end -}}
