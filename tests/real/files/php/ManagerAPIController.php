class ManagerAPIController extends Controller
{
    private $config = [
        'accessKeyId'    => 'LTAIArngwsWYF9Ul',
        'accessKeySecret' => 'k72TevEGkwZF2NywkVwBf4WSTuqtBA',
    ];
    public function admin_list(Request $request)
    {
