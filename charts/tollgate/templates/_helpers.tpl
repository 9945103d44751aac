{{/*
Names are fixed (tollgate-operator, tollgate-gateway, ...), as in config/default:
the ClusterRoles, the admission policy and the CRDs are cluster-wide, so one
release per cluster. Selectors carry only name and component, the same as
config/default's, so a cluster moved from kustomize to Helm keeps its
Deployments (a selector cannot change).
*/}}
{{- define "tollgate.labels" -}}
app.kubernetes.io/name: tollgate
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
{{- end }}

{{- define "tollgate.selector" -}}
app.kubernetes.io/name: tollgate
app.kubernetes.io/component: {{ . }}
{{- end }}

{{- define "tollgate.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "tollgate.publisherTokenSecret" -}}
{{ .Values.publisherToken.existingSecret | default "tollgate-publisher-token" }}
{{- end }}

{{- define "tollgate.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "tollgate.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end }}

{{- define "tollgate.topologySpread" -}}
- maxSkew: {{ .spread.maxSkew }}
  topologyKey: {{ .spread.topologyKey }}
  whenUnsatisfiable: {{ .spread.whenUnsatisfiable }}
  labelSelector:
    matchLabels:
      {{- include "tollgate.selector" .component | nindent 6 }}
{{- end }}

{{- define "tollgate.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- /* The usage store's Secret (usage.postgres, or 0.2.0's top-level postgres): a dict of name and key, empty when usage is off. */}}
{{- define "tollgate.usageSecret" -}}
{{- $u := .Values.usage.postgres }}
{{- if $u.existingSecret }}
{{- toJson (dict "name" $u.existingSecret "key" $u.key) }}
{{- else if .Values.postgres.existingSecret }}
{{- toJson (dict "name" .Values.postgres.existingSecret "key" .Values.postgres.key) }}
{{- else }}
{{- toJson dict }}
{{- end }}
{{- end }}

{{- define "tollgate.usageEnv" -}}
- name: TOLLGATE_USAGE_DATABASE
  valueFrom:
    secretKeyRef:
      name: {{ .name }}
      key: {{ .key }}
{{- end }}

{{- /* A usage Job's pod: the DSN from its Secret; no Kubernetes API access unless it names a serviceAccount. */}}
{{- define "tollgate.usagePod" -}}
{{- $ctx := .ctx -}}
{{- with .serviceAccount }}
serviceAccountName: {{ . }}
{{- end }}
restartPolicy: OnFailure
{{- if not .serviceAccount }}
automountServiceAccountToken: false
{{- end }}
{{- with $ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- include "tollgate.podSecurityContext" $ctx | nindent 2 }}
containers:
  - name: {{ .name }}
    image: {{ include "tollgate.image" $ctx }}
    {{- with $ctx.Values.image.pullPolicy }}
    imagePullPolicy: {{ . }}
    {{- end }}
    args: {{ toJson .args }}
    env:
      {{- include "tollgate.usageEnv" .db | nindent 6 }}
    resources:
      {{- toYaml $ctx.Values.usage.resources | nindent 6 }}
    securityContext:
      {{- include "tollgate.containerSecurityContext" $ctx | nindent 6 }}
{{- end }}
