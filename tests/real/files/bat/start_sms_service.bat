REM 设置环境变量（请修改为实际值）
set ALIYUN_ACCESS_KEY_ID=your-access-key-id
set ALIYUN_ACCESS_KEY_SECRET=your-access-key-secret

REM 切换到项目根目录
cd /d %~dp0\..
