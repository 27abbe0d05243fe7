{{/* Names of the apps switched on, from the chart's dependencies (each app is an alias of omnibus-service; Helm names it by its alias). */}}
{{- define "omnibus.apps" -}}
{{- $apps := list -}}
{{- range .Chart.Dependencies -}}
{{- if and (hasSuffix "/omnibus-service" .Repository) (index $.Values .Name).enabled -}}
{{- $apps = append $apps .Name -}}
{{- end -}}
{{- end -}}
{{- toJson $apps -}}
{{- end -}}

{{- define "omnibus.labels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: omnibus
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* An app's resource name, as omnibus-service names it. */}}
{{- define "omnibus.appFullname" -}}
{{- $root := index . 0 -}}{{- $app := index . 1 -}}
{{- if or (eq $root.Release.Name $app) (hasSuffix (printf "-%s" $app) $root.Release.Name) -}}
{{- $root.Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" $root.Release.Name $app | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Environment variable name of an app's NATS password in the NATS server's pod. */}}
{{- define "omnibus.natsPasswordVar" -}}
{{- printf "%s_NATS_PASSWORD" (. | upper | replace "-" "_") -}}
{{- end -}}

{{/* The database of a service: omnibus_<app>. */}}
{{- define "omnibus.databaseName" -}}
{{- printf "omnibus_%s" (. | replace "-" "_") -}}
{{- end -}}

{{- define "omnibus.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "omnibus.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Whether an app has its own database (every app but those that say database.enabled: false). */}}
{{- define "omnibus.hasDatabase" -}}
{{- $values := index .root.Values .app -}}
{{- ternary "true" "" (ne (dig "database" "enabled" true $values) false) -}}
{{- end -}}

{{/*
NATS permissions of one app's user: it publishes only its own subjects (its events, and replies via
allow_responses), the requests of the services it calls, and the JetStream API calls the kit makes for
its own stream and its consumers; it subscribes only to its own request subjects and its inboxes.
*/}}
{{- define "omnibus.natsPermissions" -}}
{{- $app := .app -}}
{{- $values := index .root.Values $app -}}
{{- $calls := dig "nats" "calls" (list) $values -}}
{{- $callees := list -}}
{{- range $other := .apps -}}
{{- if and (ne $other $app) (or (has "*" $calls) (has $other $calls)) -}}
{{- $callees = append $callees $other -}}
{{- end -}}
{{- end -}}
{{- $public := dig "public" false $values -}}
{{- $stream := printf "%s_EVENTS" ($app | upper | replace "-" "_") -}}
{{- $publish := list -}}
{{- if not $public -}}{{- $publish = append $publish (printf "%s.>" $app) -}}{{- end -}}
{{- range $callees -}}{{- $publish = append $publish (printf "%s.>" .) -}}{{- end -}}
{{- $publish = append $publish "$JS.API.INFO" -}}
{{- if not $public -}}
{{- $publish = concat $publish (list "$JS.API.STREAM.INFO.*" (printf "$JS.API.STREAM.CREATE.%s" $stream) (printf "$JS.API.STREAM.UPDATE.%s" $stream)) -}}
{{- end -}}
{{- $publish = concat $publish (list "$JS.API.CONSUMER.CREATE.>" "$JS.API.CONSUMER.DURABLE.CREATE.>" "$JS.API.CONSUMER.INFO.>" "$JS.API.CONSUMER.MSG.NEXT.>" "$JS.ACK.>") -}}
{{- $subscribe := list "_INBOX.>" -}}
{{- if not $public -}}{{- $subscribe = append $subscribe (printf "%s.>" $app) -}}{{- end -}}
{{- /* The gateway keeps read caches fresh from the events of the services it calls. */ -}}
{{- if $public -}}{{- range $callees -}}{{- $subscribe = append $subscribe (printf "%s.>" .) -}}{{- end -}}{{- end -}}
{ publish: { allow: [{{ range $i, $s := $publish }}{{ if $i }}, {{ end }}"{{ $s }}"{{ end }}] }, subscribe: { allow: [{{ range $i, $s := $subscribe }}{{ if $i }}, {{ end }}"{{ $s }}"{{ end }}] }{{ if not $public }}, allow_responses: true{{ end }} }
{{- end -}}
