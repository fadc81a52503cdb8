/* The pod-template-hash as upstream computes it (controller.ComputeHash): go-spew's "%#v"
 * rendering of the template as a Go k8s.io/api/core/v1.PodTemplateSpec (with
 * dump.ForHash's settings: sorted map keys, no methods, no addresses), hashed with
 * FNV-32a, then collisionCount, printed in decimal through rand.SafeEncodeString. The
 * rendering depends on every field of the Go types, zero ones included, so the types
 * reachable from PodTemplateSpec are listed below as of k8s.io/api v0.34.10 (the version
 * ckube serves), in Go declaration order. The JSON is read as the controller-manager
 * receives it from etcd's protobuf: empty lists and maps are nil.
 *
 * Known gaps: a template with a non-zero metav1.Time (creationTimestamp) or a quantity
 * whose value does not fit resource.Quantity's int64 form renders differently from Go's
 * (the hash is still stable, only not upstream's). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "controller/deployment_util.h"
#include "lib/util.h"

/* A named Go type: a struct as "{Field:type Field:json:type ...}" (the JSON name is the
 * field name with a lower-case first letter unless given; an empty one means embedded
 * inline), or the underlying type of a defined type. Sorted by name. */
typedef struct gotype {
    const char *name, *def;
} gotype;

/* Generated from k8s.io/api v0.34.10 core/v1/types.go and k8s.io/apimachinery v0.34.10
 * pkg/apis/meta/v1/types.go: every type reachable from v1.PodTemplateSpec, except
 * v1.Time, resource.Quantity and intstr.IntOrString, which are printed by code. */
static const gotype types[] = {
    {"types.UID", "string"},
    {"v1.AWSElasticBlockStoreVolumeSource",
     "{VolumeID:string FSType:fsType:string Partition:int32 ReadOnly:bool}"},
    {"v1.Affinity", "{NodeAffinity:*v1.NodeAffinity PodAffinity:*v1.PodAffinity "
                    "PodAntiAffinity:*v1.PodAntiAffinity}"},
    {"v1.AppArmorProfile", "{Type:v1.AppArmorProfileType LocalhostProfile:*string}"},
    {"v1.AppArmorProfileType", "string"},
    {"v1.AzureDataDiskCachingMode", "string"},
    {"v1.AzureDataDiskKind", "string"},
    {"v1.AzureDiskVolumeSource",
     "{DiskName:string DataDiskURI:diskURI:string "
     "CachingMode:*v1.AzureDataDiskCachingMode FSType:fsType:*string ReadOnly:*bool "
     "Kind:*v1.AzureDataDiskKind}"},
    {"v1.AzureFileVolumeSource", "{SecretName:string ShareName:string ReadOnly:bool}"},
    {"v1.CSIVolumeSource",
     "{Driver:string ReadOnly:*bool FSType:fsType:*string "
     "VolumeAttributes:map[string]string NodePublishSecretRef:*v1.LocalObjectReference}"},
    {"v1.Capabilities", "{Add:[]v1.Capability Drop:[]v1.Capability}"},
    {"v1.Capability", "string"},
    {"v1.CephFSVolumeSource", "{Monitors:[]string Path:string User:string SecretFile:string "
                              "SecretRef:*v1.LocalObjectReference ReadOnly:bool}"},
    {"v1.CinderVolumeSource", "{VolumeID:string FSType:fsType:string ReadOnly:bool "
                              "SecretRef:*v1.LocalObjectReference}"},
    {"v1.ClusterTrustBundleProjection",
     "{Name:*string SignerName:*string LabelSelector:*v1.LabelSelector Optional:*bool "
     "Path:string}"},
    {"v1.ConfigMapEnvSource", "{LocalObjectReference::v1.LocalObjectReference Optional:*bool}"},
    {"v1.ConfigMapKeySelector",
     "{LocalObjectReference::v1.LocalObjectReference Key:string Optional:*bool}"},
    {"v1.ConfigMapProjection",
     "{LocalObjectReference::v1.LocalObjectReference Items:[]v1.KeyToPath Optional:*bool}"},
    {"v1.ConfigMapVolumeSource",
     "{LocalObjectReference::v1.LocalObjectReference Items:[]v1.KeyToPath "
     "DefaultMode:*int32 Optional:*bool}"},
    {"v1.Container",
     "{Name:string Image:string Command:[]string Args:[]string WorkingDir:string "
     "Ports:[]v1.ContainerPort EnvFrom:[]v1.EnvFromSource Env:[]v1.EnvVar "
     "Resources:v1.ResourceRequirements ResizePolicy:[]v1.ContainerResizePolicy "
     "RestartPolicy:*v1.ContainerRestartPolicy "
     "RestartPolicyRules:[]v1.ContainerRestartRule VolumeMounts:[]v1.VolumeMount "
     "VolumeDevices:[]v1.VolumeDevice LivenessProbe:*v1.Probe ReadinessProbe:*v1.Probe "
     "StartupProbe:*v1.Probe Lifecycle:*v1.Lifecycle TerminationMessagePath:string "
     "TerminationMessagePolicy:v1.TerminationMessagePolicy ImagePullPolicy:v1.PullPolicy "
     "SecurityContext:*v1.SecurityContext Stdin:bool StdinOnce:bool TTY:tty:bool}"},
    {"v1.ContainerPort",
     "{Name:string HostPort:int32 ContainerPort:int32 Protocol:v1.Protocol HostIP:string}"},
    {"v1.ContainerResizePolicy",
     "{ResourceName:v1.ResourceName RestartPolicy:v1.ResourceResizeRestartPolicy}"},
    {"v1.ContainerRestartPolicy", "string"},
    {"v1.ContainerRestartRule", "{Action:v1.ContainerRestartRuleAction "
                                "ExitCodes:*v1.ContainerRestartRuleOnExitCodes}"},
    {"v1.ContainerRestartRuleAction", "string"},
    {"v1.ContainerRestartRuleOnExitCodes",
     "{Operator:v1.ContainerRestartRuleOnExitCodesOperator Values:[]int32}"},
    {"v1.ContainerRestartRuleOnExitCodesOperator", "string"},
    {"v1.DNSPolicy", "string"},
    {"v1.DownwardAPIProjection", "{Items:[]v1.DownwardAPIVolumeFile}"},
    {"v1.DownwardAPIVolumeFile", "{Path:string FieldRef:*v1.ObjectFieldSelector "
                                 "ResourceFieldRef:*v1.ResourceFieldSelector Mode:*int32}"},
    {"v1.DownwardAPIVolumeSource", "{Items:[]v1.DownwardAPIVolumeFile DefaultMode:*int32}"},
    {"v1.EmptyDirVolumeSource", "{Medium:v1.StorageMedium SizeLimit:*resource.Quantity}"},
    {"v1.EnvFromSource",
     "{Prefix:string ConfigMapRef:*v1.ConfigMapEnvSource SecretRef:*v1.SecretEnvSource}"},
    {"v1.EnvVar", "{Name:string Value:string ValueFrom:*v1.EnvVarSource}"},
    {"v1.EnvVarSource",
     "{FieldRef:*v1.ObjectFieldSelector ResourceFieldRef:*v1.ResourceFieldSelector "
     "ConfigMapKeyRef:*v1.ConfigMapKeySelector SecretKeyRef:*v1.SecretKeySelector "
     "FileKeyRef:*v1.FileKeySelector}"},
    {"v1.EphemeralContainer",
     "{EphemeralContainerCommon::v1.EphemeralContainerCommon TargetContainerName:string}"},
    {"v1.EphemeralContainerCommon",
     "{Name:string Image:string Command:[]string Args:[]string WorkingDir:string "
     "Ports:[]v1.ContainerPort EnvFrom:[]v1.EnvFromSource Env:[]v1.EnvVar "
     "Resources:v1.ResourceRequirements ResizePolicy:[]v1.ContainerResizePolicy "
     "RestartPolicy:*v1.ContainerRestartPolicy "
     "RestartPolicyRules:[]v1.ContainerRestartRule VolumeMounts:[]v1.VolumeMount "
     "VolumeDevices:[]v1.VolumeDevice LivenessProbe:*v1.Probe ReadinessProbe:*v1.Probe "
     "StartupProbe:*v1.Probe Lifecycle:*v1.Lifecycle TerminationMessagePath:string "
     "TerminationMessagePolicy:v1.TerminationMessagePolicy ImagePullPolicy:v1.PullPolicy "
     "SecurityContext:*v1.SecurityContext Stdin:bool StdinOnce:bool TTY:tty:bool}"},
    {"v1.EphemeralVolumeSource", "{VolumeClaimTemplate:*v1.PersistentVolumeClaimTemplate}"},
    {"v1.ExecAction", "{Command:[]string}"},
    {"v1.FCVolumeSource", "{TargetWWNs:[]string Lun:*int32 FSType:fsType:string ReadOnly:bool "
                          "WWIDs:wwids:[]string}"},
    {"v1.FieldsV1", "{Raw:-:[]uint8}"},
    {"v1.FileKeySelector", "{VolumeName:string Path:string Key:string Optional:*bool}"},
    {"v1.FlexVolumeSource",
     "{Driver:string FSType:fsType:string SecretRef:*v1.LocalObjectReference "
     "ReadOnly:bool Options:map[string]string}"},
    {"v1.FlockerVolumeSource", "{DatasetName:string DatasetUUID:string}"},
    {"v1.GCEPersistentDiskVolumeSource",
     "{PDName:pdName:string FSType:fsType:string Partition:int32 ReadOnly:bool}"},
    {"v1.GRPCAction", "{Port:int32 Service:*string}"},
    {"v1.GitRepoVolumeSource", "{Repository:string Revision:string Directory:string}"},
    {"v1.GlusterfsVolumeSource", "{EndpointsName:endpoints:string Path:string ReadOnly:bool}"},
    {"v1.HTTPGetAction", "{Path:string Port:intstr.IntOrString Host:string Scheme:v1.URIScheme "
                         "HTTPHeaders:httpHeaders:[]v1.HTTPHeader}"},
    {"v1.HTTPHeader", "{Name:string Value:string}"},
    {"v1.HostAlias", "{IP:ip:string Hostnames:[]string}"},
    {"v1.HostPathType", "string"},
    {"v1.HostPathVolumeSource", "{Path:string Type:*v1.HostPathType}"},
    {"v1.ISCSIVolumeSource",
     "{TargetPortal:string IQN:iqn:string Lun:int32 ISCSIInterface:iscsiInterface:string "
     "FSType:fsType:string ReadOnly:bool Portals:[]string "
     "DiscoveryCHAPAuth:chapAuthDiscovery:bool SessionCHAPAuth:chapAuthSession:bool "
     "SecretRef:*v1.LocalObjectReference InitiatorName:*string}"},
    {"v1.ImageVolumeSource", "{Reference:string PullPolicy:v1.PullPolicy}"},
    {"v1.KeyToPath", "{Key:string Path:string Mode:*int32}"},
    {"v1.LabelSelector",
     "{MatchLabels:map[string]string MatchExpressions:[]v1.LabelSelectorRequirement}"},
    {"v1.LabelSelectorOperator", "string"},
    {"v1.LabelSelectorRequirement",
     "{Key:string Operator:v1.LabelSelectorOperator Values:[]string}"},
    {"v1.Lifecycle",
     "{PostStart:*v1.LifecycleHandler PreStop:*v1.LifecycleHandler StopSignal:*v1.Signal}"},
    {"v1.LifecycleHandler", "{Exec:*v1.ExecAction HTTPGet:httpGet:*v1.HTTPGetAction "
                            "TCPSocket:tcpSocket:*v1.TCPSocketAction Sleep:*v1.SleepAction}"},
    {"v1.LocalObjectReference", "{Name:string}"},
    {"v1.ManagedFieldsEntry",
     "{Manager:string Operation:v1.ManagedFieldsOperationType "
     "APIVersion:apiVersion:string Time:*v1.Time FieldsType:string FieldsV1:*v1.FieldsV1 "
     "Subresource:string}"},
    {"v1.ManagedFieldsOperationType", "string"},
    {"v1.MountPropagationMode", "string"},
    {"v1.NFSVolumeSource", "{Server:string Path:string ReadOnly:bool}"},
    {"v1.NodeAffinity",
     "{RequiredDuringSchedulingIgnoredDuringExecution:*v1.NodeSelector "
     "PreferredDuringSchedulingIgnoredDuringExecution:[]v1.PreferredSchedulingTerm}"},
    {"v1.NodeInclusionPolicy", "string"},
    {"v1.NodeSelector", "{NodeSelectorTerms:[]v1.NodeSelectorTerm}"},
    {"v1.NodeSelectorOperator", "string"},
    {"v1.NodeSelectorRequirement", "{Key:string Operator:v1.NodeSelectorOperator Values:[]string}"},
    {"v1.NodeSelectorTerm", "{MatchExpressions:[]v1.NodeSelectorRequirement "
                            "MatchFields:[]v1.NodeSelectorRequirement}"},
    {"v1.OSName", "string"},
    {"v1.ObjectFieldSelector", "{APIVersion:apiVersion:string FieldPath:string}"},
    {"v1.ObjectMeta", "{Name:string GenerateName:string Namespace:string SelfLink:string "
                      "UID:uid:types.UID ResourceVersion:string Generation:int64 "
                      "CreationTimestamp:v1.Time DeletionTimestamp:*v1.Time "
                      "DeletionGracePeriodSeconds:*int64 Labels:map[string]string "
                      "Annotations:map[string]string OwnerReferences:[]v1.OwnerReference "
                      "Finalizers:[]string ManagedFields:[]v1.ManagedFieldsEntry}"},
    {"v1.OwnerReference", "{APIVersion:apiVersion:string Kind:string Name:string UID:uid:types.UID "
                          "Controller:*bool BlockOwnerDeletion:*bool}"},
    {"v1.PersistentVolumeAccessMode", "string"},
    {"v1.PersistentVolumeClaimSpec",
     "{AccessModes:[]v1.PersistentVolumeAccessMode Selector:*v1.LabelSelector "
     "Resources:v1.VolumeResourceRequirements VolumeName:string StorageClassName:*string "
     "VolumeMode:*v1.PersistentVolumeMode DataSource:*v1.TypedLocalObjectReference "
     "DataSourceRef:*v1.TypedObjectReference VolumeAttributesClassName:*string}"},
    {"v1.PersistentVolumeClaimTemplate",
     "{ObjectMeta:metadata:v1.ObjectMeta Spec:v1.PersistentVolumeClaimSpec}"},
    {"v1.PersistentVolumeClaimVolumeSource", "{ClaimName:string ReadOnly:bool}"},
    {"v1.PersistentVolumeMode", "string"},
    {"v1.PhotonPersistentDiskVolumeSource", "{PdID:string FSType:fsType:string}"},
    {"v1.PodAffinity",
     "{RequiredDuringSchedulingIgnoredDuringExecution:[]v1.PodAffinityTerm "
     "PreferredDuringSchedulingIgnoredDuringExecution:[]v1.WeightedPodAffinityTerm}"},
    {"v1.PodAffinityTerm",
     "{LabelSelector:*v1.LabelSelector Namespaces:[]string TopologyKey:string "
     "NamespaceSelector:*v1.LabelSelector MatchLabelKeys:[]string "
     "MismatchLabelKeys:[]string}"},
    {"v1.PodAntiAffinity",
     "{RequiredDuringSchedulingIgnoredDuringExecution:[]v1.PodAffinityTerm "
     "PreferredDuringSchedulingIgnoredDuringExecution:[]v1.WeightedPodAffinityTerm}"},
    {"v1.PodCertificateProjection",
     "{SignerName:string KeyType:string MaxExpirationSeconds:*int32 "
     "CredentialBundlePath:string KeyPath:string CertificateChainPath:string}"},
    {"v1.PodConditionType", "string"},
    {"v1.PodDNSConfig", "{Nameservers:[]string Searches:[]string Options:[]v1.PodDNSConfigOption}"},
    {"v1.PodDNSConfigOption", "{Name:string Value:*string}"},
    {"v1.PodFSGroupChangePolicy", "string"},
    {"v1.PodOS", "{Name:v1.OSName}"},
    {"v1.PodReadinessGate", "{ConditionType:v1.PodConditionType}"},
    {"v1.PodResourceClaim",
     "{Name:string ResourceClaimName:*string ResourceClaimTemplateName:*string}"},
    {"v1.PodSELinuxChangePolicy", "string"},
    {"v1.PodSchedulingGate", "{Name:string}"},
    {"v1.PodSecurityContext",
     "{SELinuxOptions:seLinuxOptions:*v1.SELinuxOptions "
     "WindowsOptions:*v1.WindowsSecurityContextOptions RunAsUser:*int64 "
     "RunAsGroup:*int64 RunAsNonRoot:*bool SupplementalGroups:[]int64 "
     "SupplementalGroupsPolicy:*v1.SupplementalGroupsPolicy FSGroup:fsGroup:*int64 "
     "Sysctls:[]v1.Sysctl "
     "FSGroupChangePolicy:fsGroupChangePolicy:*v1.PodFSGroupChangePolicy "
     "SeccompProfile:*v1.SeccompProfile AppArmorProfile:*v1.AppArmorProfile "
     "SELinuxChangePolicy:seLinuxChangePolicy:*v1.PodSELinuxChangePolicy}"},
    {"v1.PodSpec",
     "{Volumes:[]v1.Volume InitContainers:[]v1.Container Containers:[]v1.Container "
     "EphemeralContainers:[]v1.EphemeralContainer RestartPolicy:v1.RestartPolicy "
     "TerminationGracePeriodSeconds:*int64 ActiveDeadlineSeconds:*int64 "
     "DNSPolicy:dnsPolicy:v1.DNSPolicy NodeSelector:map[string]string "
     "ServiceAccountName:string DeprecatedServiceAccount:serviceAccount:string "
     "AutomountServiceAccountToken:*bool NodeName:string HostNetwork:bool HostPID:bool "
     "HostIPC:bool ShareProcessNamespace:*bool SecurityContext:*v1.PodSecurityContext "
     "ImagePullSecrets:[]v1.LocalObjectReference Hostname:string Subdomain:string "
     "Affinity:*v1.Affinity SchedulerName:string Tolerations:[]v1.Toleration "
     "HostAliases:[]v1.HostAlias PriorityClassName:string Priority:*int32 "
     "DNSConfig:dnsConfig:*v1.PodDNSConfig ReadinessGates:[]v1.PodReadinessGate "
     "RuntimeClassName:*string EnableServiceLinks:*bool "
     "PreemptionPolicy:*v1.PreemptionPolicy Overhead:v1.ResourceList "
     "TopologySpreadConstraints:[]v1.TopologySpreadConstraint SetHostnameAsFQDN:*bool "
     "OS:os:*v1.PodOS HostUsers:*bool SchedulingGates:[]v1.PodSchedulingGate "
     "ResourceClaims:[]v1.PodResourceClaim Resources:*v1.ResourceRequirements "
     "HostnameOverride:*string}"},
    {"v1.PodTemplateSpec", "{ObjectMeta:metadata:v1.ObjectMeta Spec:v1.PodSpec}"},
    {"v1.PortworxVolumeSource", "{VolumeID:string FSType:fsType:string ReadOnly:bool}"},
    {"v1.PreemptionPolicy", "string"},
    {"v1.PreferredSchedulingTerm", "{Weight:int32 Preference:v1.NodeSelectorTerm}"},
    {"v1.Probe", "{ProbeHandler::v1.ProbeHandler InitialDelaySeconds:int32 TimeoutSeconds:int32 "
                 "PeriodSeconds:int32 SuccessThreshold:int32 FailureThreshold:int32 "
                 "TerminationGracePeriodSeconds:*int64}"},
    {"v1.ProbeHandler", "{Exec:*v1.ExecAction HTTPGet:httpGet:*v1.HTTPGetAction "
                        "TCPSocket:tcpSocket:*v1.TCPSocketAction GRPC:grpc:*v1.GRPCAction}"},
    {"v1.ProcMountType", "string"},
    {"v1.ProjectedVolumeSource", "{Sources:[]v1.VolumeProjection DefaultMode:*int32}"},
    {"v1.Protocol", "string"},
    {"v1.PullPolicy", "string"},
    {"v1.QuobyteVolumeSource",
     "{Registry:string Volume:string ReadOnly:bool User:string Group:string "
     "Tenant:string}"},
    {"v1.RBDVolumeSource",
     "{CephMonitors:monitors:[]string RBDImage:image:string FSType:fsType:string "
     "RBDPool:pool:string RadosUser:user:string Keyring:string "
     "SecretRef:*v1.LocalObjectReference ReadOnly:bool}"},
    {"v1.RecursiveReadOnlyMode", "string"},
    {"v1.ResourceClaim", "{Name:string Request:string}"},
    {"v1.ResourceFieldSelector",
     "{ContainerName:string Resource:string Divisor:resource.Quantity}"},
    {"v1.ResourceList", "map[v1.ResourceName]resource.Quantity"},
    {"v1.ResourceName", "string"},
    {"v1.ResourceRequirements",
     "{Limits:v1.ResourceList Requests:v1.ResourceList Claims:[]v1.ResourceClaim}"},
    {"v1.ResourceResizeRestartPolicy", "string"},
    {"v1.RestartPolicy", "string"},
    {"v1.SELinuxOptions", "{User:string Role:string Type:string Level:string}"},
    {"v1.ScaleIOVolumeSource",
     "{Gateway:string System:string SecretRef:*v1.LocalObjectReference "
     "SSLEnabled:sslEnabled:bool ProtectionDomain:string StoragePool:string "
     "StorageMode:string VolumeName:string FSType:fsType:string ReadOnly:bool}"},
    {"v1.SeccompProfile", "{Type:v1.SeccompProfileType LocalhostProfile:*string}"},
    {"v1.SeccompProfileType", "string"},
    {"v1.SecretEnvSource", "{LocalObjectReference::v1.LocalObjectReference Optional:*bool}"},
    {"v1.SecretKeySelector",
     "{LocalObjectReference::v1.LocalObjectReference Key:string Optional:*bool}"},
    {"v1.SecretProjection",
     "{LocalObjectReference::v1.LocalObjectReference Items:[]v1.KeyToPath Optional:*bool}"},
    {"v1.SecretVolumeSource",
     "{SecretName:string Items:[]v1.KeyToPath DefaultMode:*int32 Optional:*bool}"},
    {"v1.SecurityContext",
     "{Capabilities:*v1.Capabilities Privileged:*bool "
     "SELinuxOptions:seLinuxOptions:*v1.SELinuxOptions "
     "WindowsOptions:*v1.WindowsSecurityContextOptions RunAsUser:*int64 "
     "RunAsGroup:*int64 RunAsNonRoot:*bool ReadOnlyRootFilesystem:*bool "
     "AllowPrivilegeEscalation:*bool ProcMount:*v1.ProcMountType "
     "SeccompProfile:*v1.SeccompProfile AppArmorProfile:*v1.AppArmorProfile}"},
    {"v1.ServiceAccountTokenProjection", "{Audience:string ExpirationSeconds:*int64 Path:string}"},
    {"v1.Signal", "string"},
    {"v1.SleepAction", "{Seconds:int64}"},
    {"v1.StorageMedium", "string"},
    {"v1.StorageOSVolumeSource",
     "{VolumeName:string VolumeNamespace:string FSType:fsType:string ReadOnly:bool "
     "SecretRef:*v1.LocalObjectReference}"},
    {"v1.SupplementalGroupsPolicy", "string"},
    {"v1.Sysctl", "{Name:string Value:string}"},
    {"v1.TCPSocketAction", "{Port:intstr.IntOrString Host:string}"},
    {"v1.TaintEffect", "string"},
    {"v1.TerminationMessagePolicy", "string"},
    {"v1.Toleration",
     "{Key:string Operator:v1.TolerationOperator Value:string Effect:v1.TaintEffect "
     "TolerationSeconds:*int64}"},
    {"v1.TolerationOperator", "string"},
    {"v1.TopologySpreadConstraint",
     "{MaxSkew:int32 TopologyKey:string "
     "WhenUnsatisfiable:v1.UnsatisfiableConstraintAction LabelSelector:*v1.LabelSelector "
     "MinDomains:*int32 NodeAffinityPolicy:*v1.NodeInclusionPolicy "
     "NodeTaintsPolicy:*v1.NodeInclusionPolicy MatchLabelKeys:[]string}"},
    {"v1.TypedLocalObjectReference", "{APIGroup:apiGroup:*string Kind:string Name:string}"},
    {"v1.TypedObjectReference",
     "{APIGroup:apiGroup:*string Kind:string Name:string Namespace:*string}"},
    {"v1.URIScheme", "string"},
    {"v1.UnsatisfiableConstraintAction", "string"},
    {"v1.Volume", "{Name:string VolumeSource::v1.VolumeSource}"},
    {"v1.VolumeDevice", "{Name:string DevicePath:string}"},
    {"v1.VolumeMount", "{Name:string ReadOnly:bool RecursiveReadOnly:*v1.RecursiveReadOnlyMode "
                       "MountPath:string SubPath:string MountPropagation:*v1.MountPropagationMode "
                       "SubPathExpr:string}"},
    {"v1.VolumeProjection", "{Secret:*v1.SecretProjection DownwardAPI:*v1.DownwardAPIProjection "
                            "ConfigMap:*v1.ConfigMapProjection "
                            "ServiceAccountToken:*v1.ServiceAccountTokenProjection "
                            "ClusterTrustBundle:*v1.ClusterTrustBundleProjection "
                            "PodCertificate:*v1.PodCertificateProjection}"},
    {"v1.VolumeResourceRequirements", "{Limits:v1.ResourceList Requests:v1.ResourceList}"},
    {"v1.VolumeSource",
     "{HostPath:*v1.HostPathVolumeSource EmptyDir:*v1.EmptyDirVolumeSource "
     "GCEPersistentDisk:gcePersistentDisk:*v1.GCEPersistentDiskVolumeSource "
     "AWSElasticBlockStore:awsElasticBlockStore:*v1.AWSElasticBlockStoreVolumeSource "
     "GitRepo:*v1.GitRepoVolumeSource Secret:*v1.SecretVolumeSource "
     "NFS:nfs:*v1.NFSVolumeSource ISCSI:iscsi:*v1.ISCSIVolumeSource "
     "Glusterfs:*v1.GlusterfsVolumeSource "
     "PersistentVolumeClaim:*v1.PersistentVolumeClaimVolumeSource "
     "RBD:rbd:*v1.RBDVolumeSource FlexVolume:*v1.FlexVolumeSource "
     "Cinder:*v1.CinderVolumeSource CephFS:cephfs:*v1.CephFSVolumeSource "
     "Flocker:*v1.FlockerVolumeSource DownwardAPI:*v1.DownwardAPIVolumeSource "
     "FC:fc:*v1.FCVolumeSource AzureFile:*v1.AzureFileVolumeSource "
     "ConfigMap:*v1.ConfigMapVolumeSource "
     "VsphereVolume:*v1.VsphereVirtualDiskVolumeSource Quobyte:*v1.QuobyteVolumeSource "
     "AzureDisk:*v1.AzureDiskVolumeSource "
     "PhotonPersistentDisk:*v1.PhotonPersistentDiskVolumeSource "
     "Projected:*v1.ProjectedVolumeSource PortworxVolume:*v1.PortworxVolumeSource "
     "ScaleIO:*v1.ScaleIOVolumeSource StorageOS:storageos:*v1.StorageOSVolumeSource "
     "CSI:csi:*v1.CSIVolumeSource Ephemeral:*v1.EphemeralVolumeSource "
     "Image:*v1.ImageVolumeSource}"},
    {"v1.VsphereVirtualDiskVolumeSource",
     "{VolumePath:string FSType:fsType:string StoragePolicyName:string "
     "StoragePolicyID:string}"},
    {"v1.WeightedPodAffinityTerm", "{Weight:int32 PodAffinityTerm:v1.PodAffinityTerm}"},
    {"v1.WindowsSecurityContextOptions",
     "{GMSACredentialSpecName:gmsaCredentialSpecName:*string "
     "GMSACredentialSpec:gmsaCredentialSpec:*string RunAsUserName:*string "
     "HostProcess:*bool}"},
};

static const char *type_def(const char *name, size_t len)
{
    size_t lo = 0, hi = ARRAY_SIZE(types);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(types[mid].name, name, len);
        if (c == 0 && types[mid].name[len]) c = 1;
        if (c == 0) return types[mid].def;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void typed(buf *b, const char *type, size_t n)
{
    puts_(b, "(");
    put(b, type, n);
    puts_(b, ")");
}

/* ---- resource.Quantity: ParseQuantity's int64 form ---- */

typedef struct qty {
    long long value;
    int scale;
    const char *format;
    bool keep; /* the string is canonical and cached in s */
} qty;

static bool digits(const char *s, size_t *i)
{
    size_t start = *i;
    while (s[*i] >= '0' && s[*i] <= '9')
        (*i)++;
    return *i > start;
}

static bool int64_mul(long long a, long long b, long long *out)
{
    if (a == 0 || b == 0 || a == 1 || b == 1) {
        *out = a * b;
        return true;
    }
    if (a == INT64_MIN || b == INT64_MIN) return false;
    return !__builtin_mul_overflow(a, b, out);
}

static bool parse_quantity(const char *str, qty *q)
{
    *q = (qty){0, 0, "DecimalSI", false};
    if (!*str) return false;
    if (streq(str, "0")) {
        q->keep = true;
        return true;
    }
    bool positive = true;
    size_t i = 0;
    if (str[0] == '-' || str[0] == '+') positive = str[i++] == '+';
    while (str[i] == '0')
        i++;
    size_t ns = i;
    digits(str, &i);
    cleanup_free char *num = i > ns ? xstrndup(str + ns, i - ns) : xstrdup("0");
    cleanup_free char *den = xstrdup("");
    if (str[i] == '.') {
        size_t ds = ++i;
        digits(str, &i);
        free(den);
        den = xstrndup(str + ds, i - ds);
    }
    const char *suf = str + i;
    int exp;
    if (!*suf || streq(suf, "n") || streq(suf, "u") || streq(suf, "m") || streq(suf, "k") ||
        streq(suf, "M") || streq(suf, "G") || streq(suf, "T") || streq(suf, "P") ||
        streq(suf, "E")) {
        static const char dec[] = "numkMGTPE";
        static const int dexp[] = {-9, -6, -3, 3, 6, 9, 12, 15, 18};
        exp = *suf ? dexp[strchr(dec, *suf) - dec] : 0;
    } else if (suf[1] == 'i' && !suf[2] && strchr("KMGTPE", suf[0])) {
        exp = 10 * (int)(strchr("KMGTPE", suf[0]) - "KMGTPE" + 1);
        q->format = "BinarySI";
    } else if ((suf[0] == 'e' || suf[0] == 'E') && suf[1]) {
        char *end;
        long e = strtol(suf + 1, &end, 10);
        if (*end) return false;
        exp = (int)e;
        q->format = "DecimalExponent";
    } else {
        return false;
    }
    int precision, scale = 0;
    long long mantissa = 1;
    int nlen = (int)(strlen(num) + strlen(den));
    if (!streq(q->format, "BinarySI")) {
        scale = exp;
        precision = 18 - nlen;
    } else if (exp >= 0 && !*den) {
        mantissa = 1LL << exp;
        precision = 15 - (int)strlen(num) - (int)((float)exp * 3 / 10) - 1;
    } else {
        precision = -1;
    }
    if (precision < 0) return false;
    scale -= (int)strlen(den);
    if (scale < -9) return false;
    cleanup_free char *shifted = xasprintf("%s%s", num, den);
    char *end;
    errno = 0;
    long long value = strtoll(shifted, &end, 10);
    if (errno || *end) return false;
    if (!int64_mul(value, mantissa, &q->value)) return false;
    if (!positive) q->value = -q->value;
    q->scale = scale;
    size_t sl = strlen(shifted);
    if (streq(q->format, "BinarySI"))
        q->keep = exp % 10 == 0 && (value & 7) != 0;
    else
        q->keep =
            scale % 3 == 0 && !(sl >= 3 && streq(shifted + sl - 3, "000")) && shifted[0] != '0';
    return true;
}

static void print_quantity(buf *b, const json_t *v)
{
    const char *s = json_string_value(v);
    char tmp[64];
    if (json_is_integer(v)) {
        snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = tmp;
    }
    qty q = {0, 0, "", false};
    if (s && !parse_quantity(s, &q)) q = (qty){0, 0, "DecimalSI", false}; /* see the gaps */
    char out[160];
    snprintf(out, sizeof out,
             "{i:(resource.int64Amount){value:(int64)%lld scale:(resource.Scale)%d} "
             "d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)",
             q.value, q.scale);
    puts_(b, out);
    if (q.keep) puts_(b, s);
    puts_(b, " Format:(resource.Format)");
    puts_(b, q.format);
    puts_(b, "}");
}

/* ---- the printer ---- */

static bool is_nil(const json_t *v)
{
    return !v || json_is_null(v);
}

static void body(buf *b, const char *type, size_t tn, const json_t *v);

/* A value of type (with "(type)" first when show_type, as spew does everywhere but for
 * list elements and map keys and values). */
static void value(buf *b, const char *type, size_t tn, const json_t *v, bool show_type)
{
    if (type[0] == '*') {
        if (is_nil(v)) {
            if (show_type) typed(b, type, tn);
            puts_(b, "<nil>");
            return;
        }
        if (show_type)
            typed(b, type, tn);
        else
            puts_(b, "<*>");
        body(b, type + 1, tn - 1, v);
        return;
    }
    if (show_type) typed(b, type, tn);
    body(b, type, tn, v);
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void struct_body(buf *b, const char *def, const json_t *v)
{
    puts_(b, "{");
    const char *p = def + 1;
    bool first = true;
    while (*p && *p != '}') {
        const char *end = p + strcspn(p, " }");
        const char *c1 = memchr(p, ':', (size_t)(end - p));
        const char *c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
        const char *type = c2 ? c2 + 1 : c1 + 1;
        const json_t *fv;
        if (c2 && c2 == c1 + 1) {
            fv = v; /* embedded inline */
        } else {
            char json[128];
            size_t jn = c2 ? (size_t)(c2 - c1 - 1) : (size_t)(c1 - p);
            if (jn >= sizeof json) jn = sizeof json - 1;
            memcpy(json, c2 ? c1 + 1 : p, jn);
            json[jn] = 0;
            if (!c2) json[0] = (char)(json[0] - 'A' + 'a');
            fv = json_is_object(v) ? json_object_get(v, json) : NULL;
        }
        if (!first) puts_(b, " ");
        first = false;
        put(b, p, (size_t)(c1 - p));
        puts_(b, ":");
        value(b, type, (size_t)(end - type), fv, true);
        p = *end == ' ' ? end + 1 : end;
    }
    puts_(b, "}");
}

static void body(buf *b, const char *type, size_t tn, const json_t *v)
{
#define IS(lit) (tn == sizeof(lit) - 1 && memcmp(type, lit, tn) == 0)
    char tmp[64];
    if (tn > 2 && type[0] == '[' && type[1] == ']') {
        if (!json_is_array(v) || json_array_size(v) == 0) {
            puts_(b, "<nil>");
            return;
        }
        puts_(b, "[");
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) puts_(b, " ");
            value(b, type + 2, tn - 2, json_array_get(v, i), false);
        }
        puts_(b, "]");
    } else if (tn > 4 && memcmp(type, "map[", 4) == 0) {
        const char *close = memchr(type, ']', tn);
        const char *vt = close + 1;
        size_t vn = tn - (size_t)(vt - type);
        if (!json_is_object(v) || json_object_size(v) == 0) {
            puts_(b, "<nil>");
            return;
        }
        size_t n = json_object_size(v), i = 0;
        const char **keys = xcalloc(n, sizeof *keys);
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            keys[i++] = k;
        }
        qsort(keys, n, sizeof *keys, key_cmp);
        puts_(b, "map[");
        for (i = 0; i < n; i++) {
            if (i) puts_(b, " ");
            puts_(b, keys[i]); /* keys are strings here */
            puts_(b, ":");
            value(b, vt, vn, json_object_get(v, keys[i]), false);
        }
        puts_(b, "]");
        free(keys);
    } else if (IS("string")) {
        puts_(b, json_is_string(v) ? json_string_value(v) : "");
    } else if (IS("bool")) {
        puts_(b, json_is_true(v) ? "true" : "false");
    } else if (IS("int32") || IS("int64") || IS("uint64") || IS("uint8")) {
        snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        puts_(b, tmp);
    } else if (IS("v1.Time")) {
        /* Zero, as templates have it; other times are one of the gaps (see the top). */
        long long ext = is_nil(v) ? 0 : ck_deploy_time(json_string_value(v)) + 62135596800LL;
        snprintf(tmp, sizeof tmp, "%lld", ext);
        puts_(b, "{Time:(time.Time){wall:(uint64)0 ext:(int64)");
        puts_(b, tmp);
        puts_(b, " loc:(*time.Location)<nil>}}");
    } else if (IS("resource.Quantity")) {
        print_quantity(b, v);
    } else if (IS("intstr.IntOrString")) {
        bool str = json_is_string(v);
        snprintf(tmp, sizeof tmp, "{Type:(intstr.Type)%d IntVal:(int32)%" JSON_INTEGER_FORMAT,
                 str ? 1 : 0, str ? 0 : json_integer_value(v));
        puts_(b, tmp);
        puts_(b, " StrVal:(string)");
        puts_(b, str ? json_string_value(v) : "");
        puts_(b, "}");
    } else {
        const char *def = type_def(type, tn);
        if (!def) return; /* not reachable from a PodTemplateSpec */
        if (def[0] == '{')
            struct_body(b, def, v);
        else
            body(b, def, strlen(def), v);
    }
#undef IS
}

char *ck_deploy_template_dump(const json_t *tmpl)
{
    buf b = {0};
    puts_(&b, "");
    value(&b, "v1.PodTemplateSpec", strlen("v1.PodTemplateSpec"), tmpl, true);
    return b.p;
}

void ck_safe_encode(const char *s, char *out)
{
    static const char alphanums[] = "bcdfghjklmnpqrstvwxz2456789";
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        out[i] = alphanums[(unsigned char)s[i] % (sizeof alphanums - 1)];
    out[n] = 0;
}

void ck_deploy_template_hash(const json_t *tmpl, const long long *collision_count, char out[16])
{
    cleanup_free char *s = ck_deploy_template_dump(tmpl);
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 16777619u;
    if (collision_count) {
        uint32_t c = (uint32_t)*collision_count;
        unsigned char bytes[8] = {c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff, c >> 24, 0, 0, 0, 0};
        for (size_t i = 0; i < sizeof bytes; i++)
            h = (h ^ bytes[i]) * 16777619u;
    }
    char dec[16];
    snprintf(dec, sizeof dec, "%" PRIu32, h);
    ck_safe_encode(dec, out);
}
