// Support Bot on Azure: an App Service (Linux, Python 3.11) running app.py, and an Azure Bot
// registration whose messaging endpoint is that app, with the Microsoft Teams channel enabled.
// Deploy: see infra/README.md.

@description('Short name used for every resource.')
param name string = 'support-bot'

param location string = resourceGroup().location

@description('Entra app registration (client) id the bot authenticates as.')
param microsoftAppId string

@allowed(['MultiTenant', 'SingleTenant'])
param microsoftAppType string = 'SingleTenant'

@description('Tenant of the app registration (required for SingleTenant).')
param microsoftAppTenantId string = tenant().tenantId

@secure()
@description('Client secret of the app registration.')
param microsoftAppPassword string

@allowed(['demo'])
param backend string = 'demo'

param appServiceSku string = 'B1'

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${name}-plan'
  location: location
  kind: 'linux'
  sku: { name: appServiceSku }
  properties: { reserved: true }
}

resource web 'Microsoft.Web/sites@2023-12-01' = {
  name: '${name}-${uniqueString(resourceGroup().id)}'
  location: location
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'PYTHON|3.11'
      appCommandLine: 'python app.py'
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      healthCheckPath: '/healthz'
      appSettings: [
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'true' }
        { name: 'HOST', value: '0.0.0.0' }
        { name: 'PORT', value: '8000' }
        { name: 'WEBSITES_PORT', value: '8000' }
        { name: 'BOT_BACKEND', value: backend }
        // /home survives restarts and redeployments; the SQLite state file lives there.
        { name: 'BOT_DATA_DIR', value: '/home/data' }
        { name: 'MicrosoftAppId', value: microsoftAppId }
        { name: 'MicrosoftAppType', value: microsoftAppType }
        { name: 'MicrosoftAppTenantId', value: microsoftAppTenantId }
        { name: 'MicrosoftAppPassword', value: microsoftAppPassword }
      ]
    }
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
    msaAppId: microsoftAppId
    msaAppType: microsoftAppType
    msaAppTenantId: microsoftAppType == 'SingleTenant' ? microsoftAppTenantId : ''
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
