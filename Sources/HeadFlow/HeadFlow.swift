// The library product `HeadFlow`: every layer, re-exported, so `import HeadFlow` sees the whole public API.
// The layers, lowest first (each imports only those below it; Package.swift, README.md "Layout"):
@_exported import HeadFlowNumerics
@_exported import HeadFlowData
@_exported import HeadFlowModel
@_exported import HeadFlowDynamics
@_exported import HeadFlowClaims
@_exported import HeadFlowSweeps
@_exported import HeadFlowReport
