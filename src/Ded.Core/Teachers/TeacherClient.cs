using Microsoft.Extensions.AI;

namespace Ded.Teachers;

/// <summary>A teacher ready to sample: its recipe spec and the chat client that reaches it (lab or endpoint alike).</summary>
public sealed record TeacherClient(TeacherSpec Spec, IChatClient Client);
