-- Argo CD action approve-weightTransfer for svkms.dev/SvKmsMigration: opens the gate, spec.workflow.weightTransfer.approved = true.
if obj.spec.workflow == nil then
  obj.spec.workflow = {}
end
if obj.spec.workflow.weightTransfer == nil then
  obj.spec.workflow.weightTransfer = {}
end
obj.spec.workflow.weightTransfer.approved = true
return obj
