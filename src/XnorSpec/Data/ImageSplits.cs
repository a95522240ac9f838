namespace XnorSpec.Data;

/// <summary>
/// A labelled image set's two splits: pairs for training are drawn from <see cref="Train"/>, the fixed
/// held-out pairs only from <see cref="Test"/>, so no scored image is ever trained on.
/// </summary>
public sealed record ImageSplits(LabelledImages Train, LabelledImages Test, string Folder, TimeSpan LoadTime) : IDisposable
{
    /// <summary>One line for the command line: how many images of each split, from where, read in how long.</summary>
    public string Describe() => $"Images: {Train.Count:N0} training and {Test.Count:N0} test images from {Folder} (read in {LoadTime.TotalSeconds:F2} s)";

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
