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
{{- if .Values.rbac.readPods }}
# The new participant's Pods, listed (never watched) only while it does not become Available: a failing or waiting
# database init shows as a reason at once instead of at the progress deadline (rbac.readPods).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list"]
{{- end }}
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

{{/*
The V8 old-generation limit in MiB for NODE_OPTIONS=--max-old-space-size: heap.maxOldSpaceSizeMiB when set, else
heap.percentOfMemoryLimit of resources.limits.memory (a Kubernetes quantity: 512Mi, 1Gi, 500M, 0.5Gi, or bytes),
rounded down; empty without either.
*/}}
{{- define "sv-kms-operator.maxOldSpaceSizeMiB" -}}
{{- $fixed := int (.Values.heap.maxOldSpaceSizeMiB | default 0) -}}
{{- $limit := dig "limits" "memory" "" (.Values.resources | default dict) -}}
{{- if gt $fixed 0 -}}
{{- $fixed -}}
{{- else if $limit -}}
{{- $bytes := 0.0 -}}
{{- if kindIs "string" $limit -}}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $limit -}}
{{- $unit := trimPrefix $number $limit -}}
{{- $factors := dict "" 1.0 "m" 0.001 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "P" 1000000000000000.0 "E" 1000000000000000000.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- if or (not $number) (not (hasKey $factors $unit)) -}}
{{- fail (printf "resources.limits.memory %q is not a Kubernetes quantity" $limit) -}}
{{- end -}}
{{- $bytes = mulf (float64 $number) (get $factors $unit) -}}
{{- else -}}
{{- $bytes = float64 $limit -}}
{{- end -}}
{{- $mib := int (floor (divf (mulf $bytes (float64 .Values.heap.percentOfMemoryLimit)) 104857600.0)) -}}
{{- if lt $mib 64 -}}
{{- fail (printf "heap.percentOfMemoryLimit (%v%%) of resources.limits.memory (%v) leaves %d MiB for the heap; the operator needs at least 64 MiB: raise the limit or set heap.maxOldSpaceSizeMiB" .Values.heap.percentOfMemoryLimit $limit $mib) -}}
{{- end -}}
{{- $mib -}}
{{- end -}}
{{- end -}}

{{/*
NODE_OPTIONS: the old-generation limit above, and heap.maxSemiSpaceSizeMiB as --max-semi-space-size. The young
generation is three semi-spaces, and V8 sizes them from the old generation (64 MiB each beside 384 MiB of old space):
left alone, it would add 192 MiB of heap on top of the old-space limit, past a 512Mi container limit. Empty when
neither is set.
*/}}
{{- define "sv-kms-operator.nodeOptions" -}}
{{- $options := list -}}
{{- with include "sv-kms-operator.maxOldSpaceSizeMiB" . -}}
{{- $options = append $options (printf "--max-old-space-size=%s" .) -}}
{{- end -}}
{{- with int (.Values.heap.maxSemiSpaceSizeMiB | default 0) -}}
{{- $options = append $options (printf "--max-semi-space-size=%d" .) -}}
{{- end -}}
{{- join " " $options -}}
{{- end -}}
