// Plots for the notebooks (Plotly figures rendered inline; text summaries outside a notebook).
export { plotLine, plotHistogram, plotBar, plotConfusionMatrix, lineFigure, histogramFigure, barFigure, confusionMatrixFigure } from "./figures";
export type { PlotOptions, LineSeries, NamedValues, HistogramOptions, BarOptions } from "./figures";
export { LivePlot } from "./livePlot";
export type { LivePlotOptions } from "./livePlot";
export { showFigure, figureHtml, figureBundle, ensurePlotlyLibrary, resetPlotlyLibrary } from "./figureHtml";
export type { Figure } from "./figureHtml";
export { plotlySource, plotlyLibraryScript } from "./plotlyLibrary";
