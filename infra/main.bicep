// Support Bot on Azure: an App Service (Linux, Python 3.11) running app.py on `instanceCount` instances,
// shared state in a Storage account's blob container, secrets in Key Vault (Key Vault references in the app
// settings), Application Insights and the App Service console logs in one Log Analytics workspace, and an
// Azure Bot registration whose messaging endpoint is the app, with the Microsoft Teams channel enabled.
//
// Order matters on the first start: a user-assigned identity is created first, it is granted its roles
// (Storage Blob Data Contributor, Key Vault Secrets User), and only then is the site created with it, so
// the site's first start can already read its Key Vault references and its blobs. The same identity is
// the bot's own identity by default (botIdentity=UserAssignedMSI: no secret to rotate).
// Deploy: see infra/README.md.

@description('Short name used for every resource.')
param name string = 'support-bot'

param location string = resourceGroup().location

@allowed(['UserAssignedMSI', 'SingleTenant'])
@description('The bot\'s identity: the user-assigned managed identity created here (no secret), or an Entra app registration of this tenant with a client secret. Azure no longer creates multi-tenant bots.')
param botIdentity string = 'UserAssignedMSI'

@description('botIdentity=SingleTenant only: the app registration\'s client id.')
param microsoftAppId string = ''

@secure()
@description('botIdentity=SingleTenant only: the app registration\'s client secret; stored in Key Vault, never in app settings.')
param microsoftAppPassword string = ''

@description('Teams single sign-on (README, "Acting as the engineer"): the OAuth connection\'s name, e.g. \'sso\'; empty: off. Needs botIdentity=SingleTenant (the app registration carries api://botid-<app id>) and the live backend (the connection\'s scope is the partner app\'s access_as_user).')
param ssoConnectionName string = ''

@allowed(['demo', 'live'])
param backend string = 'demo'

@description('BOT_BACKEND=live: the partner\'s Entra tenant id.')
param partnerTenantId string = ''

@description('BOT_BACKEND=live: the client id of the partner\'s app registration in Partner Center.')
param partnerClientId string = ''

@allowed(['managedIdentity', 'secret'])
@description('BOT_BACKEND=live: how the bot proves it is the partner\'s app: this deployment\'s managed identity (a federated credential on the app registration), or a client secret kept in Key Vault.')
param partnerCredential string = 'managedIdentity'

@secure()
@description('BOT_BACKEND=live with partnerCredential=secret: the client secret; stored in Key Vault.')
param partnerClientSecret string = ''

@allowed(['app-only', 'gdap'])
@description('BOT_BACKEND=live: how the bot reaches a customer\'s tenant (see README, Live backends).')
param customerAccess string = 'app-only'

@secure()
@description('CUSTOMER_ACCESS=gdap: the Fernet key the token cache is encrypted with; stored in Key Vault.')
param tokenCacheKey string = ''

@secure()
@description('The bearer token POST /api/notify requires; empty turns the endpoint off. Stored in Key Vault.')
param notifyToken string = ''

@minLength(1)
@description('Who may run operator commands: comma-separated user object ids or UPNs, or the word everyone. No default: the operator chooses.')
param operators string

@description('Object id of an Entra group whose members are operators too (empty: none).')
param operatorsGroup string = ''

@minLength(1)
@description('Tenants whose users may use the bot: comma-separated tenant ids, or the word any. No default: the operator chooses.')
param allowedTenants string

param appServiceSku string = 'B1'

@minValue(1)
@maxValue(3)
@description('Instances of the app. Everything they share is in the blob container (see infra/README.md); one of them at a time runs the watcher and the notice outbox.')
param instanceCount int = 2

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS'])
@description('Storage redundancy: LRS is offered in every region; ZRS only in regions with availability zones.')
param storageSku string = 'Standard_LRS'

@description('Blob container for the shared state.')
param stateContainer string = 'bot-state'

var suffix = uniqueString(resourceGroup().id)
// Built-in role definitions.
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var live = backend == 'live'
var singleTenant = botIdentity == 'SingleTenant'
var sso = singleTenant && live && !empty(ssoConnectionName)

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-identity'
  location: location
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('stbot${suffix}', 24)
  location: location
  kind: 'StorageV2'
  sku: { name: storageSku }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: stateContainer
  properties: { publicAccess: 'None' }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('kv-bot-${suffix}', 24)
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: true
  }
}

resource appPassword 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (singleTenant) {
  parent: vault
  name: 'MicrosoftAppPassword'
  properties: { value: microsoftAppPassword }
}

resource partnerSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (live && partnerCredential == 'secret') {
  parent: vault
  name: 'PartnerClientSecret'
  properties: { value: partnerClientSecret }
}

resource cacheKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(tokenCacheKey)) {
  parent: vault
  name: 'TokenCacheKey'
  properties: { value: tokenCacheKey }
}

resource notifySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(notifyToken)) {
  parent: vault
  name: 'NotifyToken'
  properties: { value: notifyToken }
}

resource blobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, storageBlobDataContributor)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

resource secretsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${name}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${name}-plan'
  location: location
  kind: 'linux'
  sku: {
    name: appServiceSku
    capacity: instanceCount
  }
  properties: { reserved: true }
}

resource web 'Microsoft.Web/sites@2023-12-01' = {
  name: '${name}-${suffix}'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  // The roles first: the first start reads Key Vault references and blobs with this identity.
  dependsOn: [blobRole, secretsRole]
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'PYTHON|3.11'
      appCommandLine: 'python app.py'
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      healthCheckPath: '/healthz'
      appSettings: concat([
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' }
        { name: 'HOST', value: '0.0.0.0' }
        { name: 'PORT', value: '8000' }
        { name: 'WEBSITES_PORT', value: '8000' }
        { name: 'BOT_BACKEND', value: backend }
        // Each instance's own disk: /home is one SMB share for all instances, and SQLite's WAL needs one
        // host's shared memory (the app refuses /home with BOT_STORAGE=azureblob). The SQLite file holds
        // nothing another instance needs.
        { name: 'BOT_DATA_DIR', value: '/tmp/bot-data' }
        { name: 'BOT_STORAGE', value: 'azureblob' }
        { name: 'AZURE_STORAGE_ACCOUNT_URL', value: storage.properties.primaryEndpoints.blob }
        { name: 'AZURE_STORAGE_CONTAINER', value: stateContainer }
        { name: 'AZURE_STORAGE_MANAGED_IDENTITY', value: identity.properties.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'MicrosoftAppType', value: botIdentity }
        { name: 'MicrosoftAppId', value: singleTenant ? microsoftAppId : identity.properties.clientId }
        { name: 'MicrosoftAppTenantId', value: tenant().tenantId }
        { name: 'BOT_OPERATORS', value: operators == 'everyone' ? '' : operators }
        { name: 'BOT_OPERATORS_GROUP', value: operatorsGroup }
        { name: 'ALLOWED_TENANTS', value: allowedTenants == 'any' ? '' : allowedTenants }
      ], sso ? [
        { name: 'BOT_SSO_CONNECTION', value: ssoConnectionName }
      ] : [], singleTenant ? [
        { name: 'MicrosoftAppPassword', value: '@Microsoft.KeyVault(SecretUri=${appPassword.properties.secretUri})' }
      ] : [], live ? [
        { name: 'PARTNER_TENANT_ID', value: partnerTenantId }
        { name: 'PARTNER_CLIENT_ID', value: partnerClientId }
        { name: 'CUSTOMER_ACCESS', value: customerAccess }
        // Shared by the instances (written whole and renamed): the device-code consent is made once.
        { name: 'TOKEN_CACHE_PATH', value: '/home/data/token-cache.bin' }
      ] : [], live && partnerCredential == 'managedIdentity' ? [
        { name: 'PARTNER_MANAGED_IDENTITY', value: identity.properties.clientId }
      ] : [], live && partnerCredential == 'secret' ? [
        { name: 'PARTNER_CLIENT_SECRET', value: '@Microsoft.KeyVault(SecretUri=${partnerSecret.properties.secretUri})' }
      ] : [], !empty(tokenCacheKey) ? [
        { name: 'TOKEN_CACHE_KEY', value: '@Microsoft.KeyVault(SecretUri=${cacheKey.properties.secretUri})' }
      ] : [], !empty(notifyToken) ? [
        { name: 'NOTIFY_TOKEN', value: '@Microsoft.KeyVault(SecretUri=${notifySecret.properties.secretUri})' }
      ] : [])
    }
  }
}

// Deployments use the toolkit's or az's Entra sign-in, never FTP or SCM user names and passwords.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: web
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: web
  name: 'scm'
  properties: { allow: false }
}

resource consoleLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'console-to-log-analytics'
  scope: web
  properties: {
    workspaceId: logs.id
    logs: [
      { category: 'AppServiceConsoleLogs', enabled: true }
      { category: 'AppServiceHTTPLogs', enabled: true }
    ]
  }
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'F0' }
  properties: {
    displayName: 'Support Bot'
    endpoint: 'https://${web.properties.defaultHostName}/api/messages'
    msaAppType: botIdentity
    msaAppId: singleTenant ? microsoftAppId : identity.properties.clientId
    msaAppTenantId: tenant().tenantId
    msaAppMSIResourceId: singleTenant ? null : identity.id
  }
}

// Teams SSO: the Azure Bot's OAuth connection (Azure AD v2) over the bot's own app registration. The token
// service exchanges Teams' token (audience api://botid-<app id>, tokenExchangeUrl) for one whose audience is
// the partner app, which the bot then redeems on the engineer's behalf (MSAL on-behalf-of). The connection's
// client secret is the app registration's own: Bot Service takes no Key Vault reference here.
resource ssoConnection 'Microsoft.BotService/botServices/connections@2022-09-15' = if (sso) {
  parent: bot
  name: empty(ssoConnectionName) ? 'sso' : ssoConnectionName
  location: 'global'
  properties: {
    serviceProviderDisplayName: 'Azure Active Directory v2'
    serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c'
    clientId: microsoftAppId
    clientSecret: microsoftAppPassword
    scopes: 'api://${partnerClientId}/access_as_user offline_access openid profile'
    parameters: [
      { key: 'tenantID', value: tenant().tenantId }
      { key: 'tokenExchangeUrl', value: 'api://botid-${microsoftAppId}' }
    ]
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

output messagingEndpoint string = bot.properties.endpoint
output webAppName string = web.name
output storageAccountName string = storage.name
// For m365agents.yml (the Agents Toolkit writes outputs to its env file in upper case): the bot's app id
// goes into the Teams app package, the site's id to the deploy step.
output BOT_ID string = bot.properties.msaAppId
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = web.id
output BOT_DOMAIN string = web.properties.defaultHostName
