namespace XnorSpec.Data;

/// <summary>
/// A labelled image set's two splits: pairs for training are drawn from <see cref="Train"/>, the fixed
/// held-out pairs only from <see cref="Test"/>, so no scored image is ever trained on.
/// </summary>
public sealed record ImageSplits(LabelledImages Train, LabelledImages Test, string Folder, TimeSpan LoadTime) : IDisposable
{
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
