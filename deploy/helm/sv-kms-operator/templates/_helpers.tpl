{{/*
Names and labels shared by every object of the chart.
*/}}

{{- define "sv-kms-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "sv-kms-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sv-kms-operator.labels" -}}
{{ include "sv-kms-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: sv-kms-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "sv-kms-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sv-kms-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sv-kms-operator.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
"true" when the operator serves every namespace (watchNamespaces: all), "" when it serves a list.
*/}}
{{- define "sv-kms-operator.watchAll" -}}
{{- if kindIs "string" .Values.watchNamespaces -}}
{{- if ne .Values.watchNamespaces "all" -}}
{{- fail (printf "watchNamespaces must be \"all\" or a list of namespaces, not %q" .Values.watchNamespaces) -}}
{{- end -}}
true
{{- end -}}
{{- end -}}

{{/*
The value of SVKMS_NAMESPACES: "all" or the comma-separated list.
*/}}
{{- define "sv-kms-operator.namespacesArg" -}}
{{- if include "sv-kms-operator.watchAll" . -}}
all
{{- else -}}
{{- join "," .Values.watchNamespaces -}}
{{- end -}}
{{- end -}}

{{/*
The rules the operator needs in every namespace it serves: in the ClusterRole when it serves all namespaces, in one
Role per namespace otherwise. Least privilege, no wildcards; docs/install.md explains each rule.
*/}}
{{- define "sv-kms-operator.servedNamespaceRules" -}}
# SvKmsMigrations: watched; the operator's finalizer is added and removed with a JSON patch.
- apiGroups: ["svkms.dev"]
  resources: ["svkmsmigrations"]
  verbs: ["get", "list", "watch", "patch"]
# Status, conditions and observedGeneration.
- apiGroups: ["svkms.dev"]
  resources: ["svkmsmigrations/status"]
  verbs: ["get", "patch", "update"]
# Governance and identity key Secrets: created when absent and adopted when present, never updated or deleted.
# patch only adds an annotation to the key Secrets the operator created, when their migration is deleted.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "patch"]
# The rendered participant and sv-node values ConfigMaps.
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update", "patch"]
# Events on the migrations (patch aggregates repeated events).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
# The new SV's participant (is the KMS config deployed?) and the old SV's workloads (retirement).
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets"]
  verbs: ["get", "list", "watch"]
# Retirement scales the old SV's Deployments and StatefulSets to zero through the scale subresource; nothing else.
- apiGroups: ["apps"]
  resources: ["deployments/scale", "statefulsets/scale"]
  verbs: ["patch", "update"]
{{- end -}}

{{/*
Cluster-wide read access to Namespace objects: the operator reads the svkms.dev/allow-migrations-from label.
*/}}
{{- define "sv-kms-operator.namespaceReadRules" -}}
# Namespaces, read-only: the operator checks the svkms.dev/allow-migrations-from label of a migration's target
# namespaces.
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["get", "list", "watch"]
{{- end -}}
