namespace Needle.Core.Training;

/// <summary>
/// Loss parts of one training-graph forward pass (needle-model.md §4.1 / §4.2): Loss = CrossEntropy + ZLoss;
/// UnweightedCeSum = Σ CE over non-pad targets (the validation numerator); Tokens = non-pad targets; Positions = B·T_d.
/// </summary>
public readonly record struct ForwardLoss(double Loss, double CrossEntropy, double ZLoss, double UnweightedCeSum, int Tokens, int Positions);
