-- Argo CD action approve-retirement for svkms.dev/SvKmsMigration: opens the gate, spec.workflow.retirement.approved = true.
if obj.spec.workflow == nil then
  obj.spec.workflow = {}
end
if obj.spec.workflow.retirement == nil then
  obj.spec.workflow.retirement = {}
end
obj.spec.workflow.retirement.approved = true
return obj
