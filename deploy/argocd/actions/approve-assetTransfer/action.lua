-- Argo CD action approve-assetTransfer for svkms.dev/SvKmsMigration: opens the gate, spec.workflow.assetTransfer.approved = true.
if obj.spec.workflow == nil then
  obj.spec.workflow = {}
end
if obj.spec.workflow.assetTransfer == nil then
  obj.spec.workflow.assetTransfer = {}
end
obj.spec.workflow.assetTransfer.approved = true
return obj
